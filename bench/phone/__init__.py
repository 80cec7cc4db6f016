"""The phone companion under load (issues 5 and 15): four measurements in one run, real processes.

    .venv/bin/python -m bench.phone [--parts 1234] [--photo-parts abc] [--rounds 5]
        [--seconds 4] [--phones 50] [--media-workers 2] [--capacity-seconds 15] [--load 0.8]

A private PostgreSQL and Redis (infra/services.py), the fake WeChat server over loopback HTTP
(tests/fakes/wechat.py), gunicorn with 2 gevent workers (infra/gunicorn.conf.py) and media
workers (`python -m workers.worker --media`, as compose runs them) on local storage in a
throwaway folder. The data is seeded through the domain layer: an open exam whose paper is
--questions essay questions, --candidates enrolled candidates, each logged in once (the token is
kept, as a desktop keeps it) with a started attempt.

(1) QR endpoint throughput, closed loop, as a ratio to GET /healthz in the same run
    (bench/phone/qr.py): (a) re-requests of a still-valid code, (b) fresh codes.
(2) Render cost per code: bench.qr_render.measure_render().
(3) Answer photos (bench/phone/photos.py): --phones candidates each have a desktop on the
    attempt's event stream and a phone paired for question 1; then
    (a) capacity: photos/s completed end to end, closed loop, for 12 MP originals and for the
        phone-compressed photo (1600 px long edge, quality 80, EXIF kept), with CPU per photo
        per process group and each step's CPU floor;
    (b) every phone sends a phone-compressed photo at the same instant;
    (c) 12 MP originals evenly spaced at --load (0.8) of (a)'s capacity for them, open loop;
    (d) upload bytes per photo before and after compression.
(4) Idle event streams held by one gevent worker: bench.idle_streams.measure_idle_streams(5000).

Bars: (1a) >= 0.7 and (1b) >= 0.2 of /healthz; (2) ours <= 0.4x the default's time per code;
(3b) p95 202 -> photo_ready < 1.0 s; (3c) p95 < 1.5 s; (3a) every photo completes;
(4) 5,000 streams under 300 MB with one Redis subscription. Exits 1 if a bar is missed.
"""
