import io
import os

import pytest
from PIL import Image

from portal.extensions import db
from portal.models import Attachment, Tip
from portal.storage import LocalStorage
from portal.tips.images import ImageRejected, reencode
from tests.helpers import submit_report

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = 6  # orientation: rotate 90
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (6.0, 12.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def test_exif_gps_and_comments_are_gone_and_the_photo_stays_upright():
    raw = jpeg_with_gps()
    assert b"PhoneMaker" in raw and b"secret comment" in raw
    clean = reencode(io.BytesIO(raw), max_bytes=10 << 20, max_pixels=40_000_000)
    assert b"PhoneMaker" not in clean.data and b"secret comment" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as reopened:
        assert not reopened.getexif()
        assert reopened.size == (48, 64)  # orientation applied before EXIF was dropped
    assert clean.media_type == "image/jpeg"


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Reporter Name")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, "PNG", pnginfo=info)
    clean = reencode(io.BytesIO(out.getvalue()), max_bytes=10 << 20, max_pixels=10**6)
    assert b"Reporter Name" not in clean.data


@pytest.mark.parametrize(
    "payload",
    [
        b"%PDF-1.4 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + os.urandom(100),
        os.urandom(2000),
        b"",
    ],
)
def test_anything_but_jpeg_png_webp_is_refused(payload):
    with pytest.raises(ImageRejected) as refused:
        reencode(io.BytesIO(payload), max_bytes=10 << 20, max_pixels=10**6)
    assert refused.value.reason == ImageRejected.NOT_AN_IMAGE


def test_truncated_image_is_refused():
    raw = jpeg_with_gps()
    with pytest.raises(ImageRejected):
        reencode(io.BytesIO(raw[: len(raw) // 2]), max_bytes=10 << 20, max_pixels=10**6)


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 MP, a few KB on disk
    with pytest.raises(ImageRejected) as refused:
        reencode(io.BytesIO(out.getvalue()), max_bytes=10 << 20, max_pixels=40_000_000)
    assert refused.value.reason == ImageRejected.TOO_MANY_PIXELS


def test_file_over_the_size_limit_is_refused():
    with pytest.raises(ImageRejected) as refused:
        reencode(io.BytesIO(b"\xff" * 2001), max_bytes=2000, max_pixels=10**6)
    assert refused.value.reason == ImageRejected.TOO_LARGE


def test_report_with_images_stores_clean_files_outside_the_web_root(app, client):
    files = [(io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg") for _ in range(2)]
    response = submit_report(client, "drugs", description="see photos", files=files)
    assert response.status_code == 303
    with app.app_context():
        tip = db.session.scalar(db.select(Tip))
        assert len(tip.attachments) == 2
        store = LocalStorage(app.extensions["waspada.settings"].upload_dir)
        for attachment in tip.attachments:
            path = store.path(attachment.storage_key)
            data = path.read_bytes()
            assert b"PhoneMaker" not in data
            assert "IMG_0001" not in attachment.storage_key
            assert not str(path).startswith(app.static_folder)
    assert client.get("/static/" + tip.attachments[0].storage_key).status_code == 404


def test_more_than_five_images_are_refused_with_a_message(app, client):
    files = [(io.BytesIO(jpeg_with_gps()), f"{i}.jpg") for i in range(6)]
    response = submit_report(client, "drugs", description="x", files=files)
    assert response.status_code == 400
    assert "at most 5 images" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Tip)) == 0


def test_a_non_image_upload_is_refused_and_nothing_is_stored(app, client):
    response = submit_report(
        client,
        "drugs",
        description="x",
        files=[(io.BytesIO(b"MZ\x90\x00 windows program"), "photo.jpg")],
    )
    assert response.status_code == 400
    assert "only accept photos and screenshots" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    upload_dir = app.extensions["waspada.settings"].upload_dir
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))
