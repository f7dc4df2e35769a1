"""The worker subprocess: keeps engines loaded, runs one job at a time, writes its outputs, reports over a pipe."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from kinora.engines.base import Clip, Engine, GenerationCancelled, GenerationRequest
from kinora.engines.registry import EngineConfig, on_device
from kinora.jobs import spec as msg
from kinora.jobs.spec import ENGINE_SHARE, OUTPUT_FILES, JobSpec
from kinora.media.provenance import Stamp
from kinora.safety.policy import Verdict, strictest, verdict_json

CONTEXT_SECONDS = 2.0  # of the source's frames handed to engines as `remix_of` context
PROGRESS_EVERY = 0.2  # seconds between progress messages


class Link:
    """The worker's end of the pipe; sends from the job thread and the heartbeat thread are serialized."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.cancelled: set[str] = set()

    def send(self, *message: Any) -> None:
        with self.lock:
            self.conn.send(message)

    def is_cancelled(self, video_id: str) -> bool:
        while self.conn.poll():
            message = self.conn.recv()
            if message[0] == msg.CANCEL:
                self.cancelled.add(message[1])
        return video_id in self.cancelled


def worker_main(conn: Connection, name: str, device: str, heartbeat_seconds: float,
                configs: dict[str, EngineConfig] | None = None) -> None:
    """Entry point of a spawned worker. Runs until told to stop or the pipe closes."""
    if device.startswith("cuda:"):
        os.environ["CUDA_VISIBLE_DEVICES"] = device.split(":", 1)[1]
    link, engines = Link(conn), _EngineCache(configs or {}, device)
    link.send(msg.READY, name)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == msg.STOP:
            return
        if message[0] == msg.JOB:
            _run_reporting(link, engines, message[1], heartbeat_seconds)


class _EngineCache:
    """Engines stay loaded (with their weights) for the worker's life: the next job starts at once."""

    def __init__(self, configs: dict[str, EngineConfig], device: str) -> None:
        self.configs, self.device = configs, device
        self.loaded: dict[str, Engine] = {}

    def get(self, name: str) -> Engine:
        if name not in self.loaded:
            from kinora.engines.registry import get_engine

            self.loaded[name] = get_engine(name, on_device(self.configs.get(name, EngineConfig()), self.device))
        return self.loaded[name]


def _run_reporting(link: Link, engines: _EngineCache, job: JobSpec, heartbeat_seconds: float) -> None:
    """Run `job`, heartbeating meanwhile, and send exactly one of done / failed / cancelled."""
    stop = threading.Event()
    beats = threading.Thread(target=_beat, args=(link, job, stop, heartbeat_seconds), daemon=True)
    beats.start()
    try:
        output = run_job(job, engines.get(job.engine), _reporter(link, job), lambda: link.is_cancelled(job.video_id))
    except GenerationCancelled:
        shutil.rmtree(job.out_dir, ignore_errors=True)
        link.send(msg.CANCELLED, job.video_id, job.attempt)
    except Exception as e:  # noqa: BLE001 - any engine failure becomes the job's error, the worker lives on
        shutil.rmtree(job.out_dir, ignore_errors=True)
        link.send(msg.FAILED, job.video_id, job.attempt, _error_code(e), str(e) or type(e).__name__)
    else:
        link.send(msg.DONE, job.video_id, job.attempt, output)
    finally:
        stop.set()
        link.cancelled.discard(job.video_id)


def _beat(link: Link, job: JobSpec, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        link.send(msg.BEAT, job.video_id, job.attempt)


def _reporter(link: Link, job: JobSpec) -> Callable[[float], None]:
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            link.send(msg.PROGRESS, job.video_id, job.attempt, min(max(fraction, 0.0), 1.0))

    return report


def _error_code(error: Exception) -> str:
    code = getattr(error, "code", None)  # engines' own: weights_missing, out_of_memory
    if isinstance(code, str):
        return code
    if type(error).__name__ == "PromptError":
        return "prompt_not_understood"
    return "invalid_request" if isinstance(error, ValueError) else "engine_error"


def run_job(job: JobSpec, engine: Engine, progress: Callable[[float], None],
            cancelled: Callable[[], bool]) -> dict[str, Any]:
    """Generate, mark and sign; write video.mp4 (visible mark), clean.mp4, thumbnail.webp, spritesheet.jpg and
    metadata.json into job.out_dir. The output's "fingerprint" is for the lookup index, not for clients."""
    from kinora.media import marking
    from kinora.media.derive import write_spritesheet, write_thumbnail
    from kinora.media.provenance import payload

    req = GenerationRequest(prompt=job.prompt, seconds=float(job.seconds), width=job.width, height=job.height,
                            fps=job.fps, seed=job.seed, image=_load_image(job.image_path),
                            remix_of=_load_source(job.source_dir), options=_options(job), cameos=job.cameos)
    clip = engine.generate(req, lambda f: progress(ENGINE_SHARE * f), cancelled)
    verdict = moderate(job, clip)
    out = Path(job.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(job)
    data = payload(job.provenance.instance_id, job.seq)
    clip = marking.mark(clip, data, job.provenance)
    progress(ENGINE_SHARE + 0.03)
    seconds = _write_videos(job, clip, stamp, out, progress)
    if cancelled():
        raise GenerationCancelled
    for name in ("video", "clean"):
        marking.sign(out / OUTPUT_FILES[name], job.provenance, stamp, data)
    video = out / OUTPUT_FILES["video"]
    write_thumbnail(video, out / OUTPUT_FILES["thumbnail"])
    sheet = write_spritesheet(video, out / OUTPUT_FILES["spritesheet"])
    (out / "metadata.json").write_text(json.dumps(clip.metadata, default=_jsonable))
    return {"files": OUTPUT_FILES,
            "seconds": round(seconds, 3), "has_audio": clip.audio is not None,
            "bytes": video.stat().st_size, "spritesheet": sheet.to_dict(), "seed": clip.metadata.get("seed"),
            "fingerprint": marking.fingerprints(clip), "moderation": verdict_json(verdict)}


def moderate(job: JobSpec, clip: Clip) -> Verdict:
    """Output moderation: sampled frames through the frame classifier, and the transcript (engines that speak
    put it in `metadata["transcript"]`) through the prompt stack. The queue holds or fails what this flags."""
    from kinora.safety import frames

    thresholds = frames.STRICT if job.strict else frames.STANDARD
    verdicts = [frames.check_frames(clip.frames, clip.fps, detector=frames.detector(), thresholds=thresholds,
                                    per_second=job.checks_per_second)]
    transcript = clip.metadata.get("transcript")
    if isinstance(transcript, str) and transcript.strip() and job.moderator is not None:
        said = job.moderator.check(transcript, teen=job.strict, entries=job.registry)
        verdicts.append(replace(said, layer=f"transcript/{said.layer}", reason=f"speech: {said.reason}"))
        verdicts += _restricted_speech(job, transcript)
    return strictest(verdicts)


def _restricted_speech(job: JobSpec, transcript: str) -> list[Verdict]:
    """What the video says must keep the restrictions of the people in it, as its prompt had to."""
    from kinora.cameos import restrictions

    for handle, texts in job.restrictions.items():
        hit = restrictions.check(transcript, [restrictions.parse(text) for text in texts])
        if hit is not None:
            return [Verdict("block", "cameo_restricted", "transcript/cameo",
                            f"speech: @{handle} does not allow this: \"{hit.restriction.text}\" ({hit.matched!r})")]
    return []


def _stamp(job: JobSpec) -> Stamp:
    from kinora import __version__

    generator = {"version": __version__, "engine": job.engine, "model": job.model, "generation": job.video_id,
                 "instance": job.provenance.name}
    return Stamp(seq=job.seq, handle=job.handle, generator=generator,
                 title=f"{job.provenance.name} {job.video_id}")


def _write_videos(job: JobSpec, clip: Clip, stamp: Stamp, out: Path, progress: Callable[[float], None]) -> float:
    """Encode the clean and the visibly marked MP4 (for an extension: the source's clean video, then `clip`).
    Returns the video's length in seconds."""
    from kinora.media import marking
    from kinora.media.derive import write_extension
    from kinora.media.encode import write_mp4
    from kinora.media.probe import probe

    clean, video = out / OUTPUT_FILES["clean"], out / OUTPUT_FILES["video"]
    height, width = clip.frames.shape[1:3]
    first, second = _span(progress, ENGINE_SHARE + 0.03, 0.04), _span(progress, ENGINE_SHARE + 0.07, 0.04)
    if job.kind == "extend" and job.source_dir is not None:
        source = _source_video(Path(job.source_dir))
        total = probe(source).frames + len(clip.frames)
        overlay = marking.visible_overlay(job.provenance, stamp, n_frames=total, fps=clip.fps, width=width,
                                          height=height)
        seam = write_extension(source, clip, clean, progress=first)
        write_extension(source, clip, video, progress=second, overlay=overlay)
        clip.metadata["stitched_from_seconds"] = seam
        return seam + len(clip.frames) / clip.fps
    overlay = marking.visible_overlay(job.provenance, stamp, n_frames=len(clip.frames), fps=clip.fps, width=width,
                                      height=height)
    write_mp4(clip, clean, progress=first)
    write_mp4(replace(clip, frames=overlay.apply(clip.frames)), video, progress=second)
    return len(clip.frames) / clip.fps


def _span(progress: Callable[[float], None], start: float, width: float) -> Callable[[float], None]:
    """`progress` for one step that fills [start, start + width] of the bar."""
    return lambda fraction: progress(start + width * fraction)


def _source_video(folder: Path) -> Path:
    """A source's clean video: the pictures engines and extensions build on carry no visible label (outputs
    from before provenance have only video.mp4)."""
    clean = folder / OUTPUT_FILES["clean"]
    return clean if clean.exists() else folder / OUTPUT_FILES["video"]


def _options(job: JobSpec) -> dict[str, Any]:
    return {**job.options, "mode": job.kind} if job.kind != "create" else dict(job.options)


def _load_image(path: str | None) -> np.ndarray[Any, np.dtype[np.uint8]] | None:
    if path is None:
        return None
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _load_source(folder: str | None) -> Clip | None:
    """The source video as engines see it: its metadata and its last seconds of frames and sound."""
    if folder is None:
        return None
    from kinora.media.derive import last_frames
    from kinora.media.probe import read_audio

    path = _source_video(Path(folder))
    frames, fps = last_frames(path, CONTEXT_SECONDS)
    audio, _, rate = read_audio(path)
    if audio is not None:
        audio = audio[-round(CONTEXT_SECONDS * rate):]
    metadata = json.loads((Path(folder) / "metadata.json").read_text())
    return Clip(frames=frames, fps=fps, audio=audio, sample_rate=rate, metadata=metadata)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"metadata value of type {type(value).__name__} is not JSON-serializable")
