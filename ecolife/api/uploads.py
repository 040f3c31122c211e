"""Uploaded files: a multipart field `image`, or the raw request body."""

from flask import request

from ecolife.errors import InvalidImage


def upload_doc(field: str, *raw_types: str) -> dict:
    """OpenAPI request body of an upload: the multipart field `field`, or a raw body of one
    of `raw_types`."""
    multipart = {
        "type": "object",
        "required": [field],
        "properties": {field: {"type": "string", "format": "binary"}},
    }
    content = {"multipart/form-data": {"schema": multipart}, **{t: {} for t in raw_types}}
    return {"requestBody": {"required": True, "content": content}}


IMAGE_DOC = upload_doc("image", "image/jpeg", "image/png", "image/webp")


def uploaded_image() -> bytes:
    """Return the uploaded image's bytes, refusing an empty upload."""
    upload = request.files.get("image")
    data = upload.read() if upload is not None else request.get_data()
    if not data:
        raise InvalidImage()
    return data
