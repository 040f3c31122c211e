"""Uploaded files: a multipart field `image`, or the raw request body."""

from flask import request

from ecolife.errors import InvalidImage

IMAGE_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"image": {"type": "string", "format": "binary"}},
                }
            },
            "image/jpeg": {},
            "image/png": {},
            "image/webp": {},
        },
    }
}


def uploaded_image() -> bytes:
    """Return the uploaded image's bytes, refusing an empty upload."""
    upload = request.files.get("image")
    data = upload.read() if upload is not None else request.get_data()
    if not data:
        raise InvalidImage()
    return data
