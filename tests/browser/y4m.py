"""Turn a picture into a y4m video for Chromium's fake camera."""

from pathlib import Path

from PIL import Image


def write_y4m(picture: Image.Image, path: Path, *, size=(640, 480), frames: int = 10) -> Path:
    """Centre the picture on a white frame and write a few identical 4:2:0 frames."""
    frame = Image.new("RGB", size, "white")
    picture = picture.convert("RGB")
    picture.thumbnail((size[0] - 40, size[1] - 40))
    frame.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"".join(b"FRAME\n" + planes for _ in range(frames)))
    return path
