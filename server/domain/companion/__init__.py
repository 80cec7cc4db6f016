"""The phone companion: per-question QR scenes, pairing a phone, answer photos from the phone,
the phone as a second camera, and the teacher's live view of who is online and paired.
"""

from server.domain.companion.live import LiveStatus, SecondCameraState, live_view
from server.domain.companion.models import Pairing, PairingPurpose
from server.domain.companion.pairing import end_pairing, redeem, wechat_login
from server.domain.companion.scenes import IssuedCodes, PairingPolicy, issue_code, render_code
from server.domain.companion.second_camera import flag_lost_second_cameras, second_camera_snapshot
from server.domain.companion.uploads import (
    WAITING_ANSWER_PHOTOS,
    PhotoIntake,
    process_answer_photo,
    remove_answer_photo,
    upload_answer_photo,
    upload_desktop_photo,
)
from server.domain.companion.web_phones import (
    WebCompanionPolicy,
    WebPairing,
    is_web_phone,
    pair_web_phone,
)

__all__ = [
    "IssuedCodes",
    "LiveStatus",
    "Pairing",
    "PairingPolicy",
    "PairingPurpose",
    "PhotoIntake",
    "SecondCameraState",
    "WAITING_ANSWER_PHOTOS",
    "WebCompanionPolicy",
    "WebPairing",
    "end_pairing",
    "flag_lost_second_cameras",
    "issue_code",
    "is_web_phone",
    "live_view",
    "pair_web_phone",
    "process_answer_photo",
    "redeem",
    "remove_answer_photo",
    "render_code",
    "second_camera_snapshot",
    "upload_answer_photo",
    "upload_desktop_photo",
    "wechat_login",
]
