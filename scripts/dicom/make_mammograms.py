#!/usr/bin/env python3
"""Synthetic digital mammograms for the gateway's tests and benchmark.

Writes 16-bit (12 or 14 bits stored) MG images, MONOCHROME2 or MONOCHROME1, with VOI
windows (LINEAR or SIGMOID), dose, operator, machine and view attributes, one study per
participant with the four standard views (RCC, LCC, RMLO, LMLO) by default. With
--transfer-syntax jpeg-lossless-sv1 each file is re-encoded by dcmtk's dcmcjpeg
(JPEG Lossless, Non-Hierarchical, First-Order Prediction: 1.2.840.10008.1.2.4.70).

    scripts/dicom/make_mammograms.py OUT_DIR [--studies 10] [--rows 4096 --columns 3328]

Prints one line per file: path, patient id, accession number, study UID, SOP instance UID
(tab-separated), so tests can use the values.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2"
MG_FOR_PROCESSING = "1.2.840.10008.5.1.4.1.1.1.2.1"
BREAST_TOMOSYNTHESIS = "1.2.840.10008.5.1.4.1.1.13.1.3"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"

VIEWS = [("R", "CC"), ("L", "CC"), ("R", "MLO"), ("L", "MLO")]
VIEW_CODES = {
    "CC": ("R-10242", "SRT", "cranio-caudal"),
    "MLO": ("R-10226", "SRT", "medio-lateral oblique"),
}


def new_uid() -> str:
    return f"2.25.{uuid.uuid4().int}"


def code(value: str, scheme: str, meaning: str) -> Dataset:
    c = Dataset()
    c.CodeValue = value
    c.CodingSchemeDesignator = scheme
    c.CodeMeaning = meaning
    return c


def breast(rows: int, columns: int, bits: int, laterality: str, rng: np.random.Generator) -> np.ndarray:
    """Stored values of a breast: dense tissue on a fatty background, air outside.

    The values are what a MONOCHROME2 image stores (air low, tissue high)."""
    top = (1 << bits) - 1
    y = np.linspace(-1.0, 1.0, rows, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, columns, dtype=np.float32)[None, :]
    if laterality == "L":
        x = 1.0 - x
    # A half ellipse against the chest wall (x = 0).
    r = np.sqrt((x / 0.8) ** 2 + (y / 0.9) ** 2)
    inside = r < 1.0
    # Smooth texture: a few random low-frequency waves (cheap at any size).
    tex = np.zeros((rows, columns), dtype=np.float32)
    for _ in range(6):
        fy, fx, ph = rng.uniform(2, 12), rng.uniform(2, 12), rng.uniform(0, 6.28)
        tex += np.sin(fy * y * 3.14 + ph) * np.cos(fx * x * 3.14 + ph) / 6
    tissue = 0.45 + 0.15 * tex + 0.25 * (1.0 - r)
    img = np.where(inside, tissue, 0.02)
    img = np.clip(img * top, 0, top).astype(np.uint16)
    return img


def dataset(args, study: dict, index: int, pixels: np.ndarray, laterality: str, view: str) -> Dataset:
    sop_class = {
        "presentation": MG_FOR_PRESENTATION,
        "processing": MG_FOR_PROCESSING,
        "tomosynthesis": BREAST_TOMOSYNTHESIS,
    }[args.sop_class]
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = new_uid()
    ds.StudyInstanceUID = study["study_uid"]
    ds.SeriesInstanceUID = study["series_uid"]
    ds.Modality = "MG"
    ds.PatientID = study["patient_id"]
    ds.PatientName = study["patient_name"]
    ds.PatientBirthDate = "19700131"
    ds.PatientSex = "F"
    ds.AccessionNumber = study["accession"]
    ds.StudyDate = args.date
    ds.StudyTime = "093000"
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = index + 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", ""]
    ds.PresentationIntentType = "FOR PROCESSING" if args.sop_class == "processing" else "FOR PRESENTATION"
    ds.ImageLaterality = laterality
    ds.ViewPosition = view
    vc = code(*VIEW_CODES[view])
    if args.implant_displaced:
        vc.ViewModifierCodeSequence = Sequence([code("R-102D5", "SRT", "implant displaced")])
    ds.ViewCodeSequence = Sequence([vc])
    ds.BreastImplantPresent = "YES" if args.implant_displaced else "NO"
    ds.OperatorsName = args.operator
    ds.AcquisitionDateTime = f"{args.date}0930{index % 60:02d}"
    ds.ContentDate = args.date
    ds.ContentTime = f"0930{index % 60:02d}"
    ds.KVP = "29"
    ds.ExposureInuAs = 98000 + index
    ds.EntranceDoseInmGy = "5.12"
    ds.OrganDose = "1.34"
    ds.BodyPartThickness = "52"
    ds.CompressionForce = "110"
    ds.AnodeTargetMaterial = "TUNGSTEN"
    ds.FilterMaterial = "RHODIUM"
    ds.Manufacturer = "Synthetic Imaging"
    ds.ManufacturerModelName = "Test Mammo 1"
    ds.StationName = "MAMMO1"
    ds.DeviceSerialNumber = "SN-0001"
    ds.BurnedInAnnotation = "NO"
    rows, columns = pixels.shape
    ds.Rows = rows
    ds.Columns = columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = args.photometric
    ds.BitsAllocated = 16
    ds.BitsStored = args.bits
    ds.HighBit = args.bits - 1
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    ds.RescaleType = "US"
    top = (1 << args.bits) - 1
    # Windows over the tissue range; the first is the one to use.
    ds.WindowCenter = [str(round(top * 0.55)), str(round(top * 0.5))]
    ds.WindowWidth = [str(round(top * 0.5)), str(top + 1)]
    ds.WindowCenterWidthExplanation = ["NORMAL", "WIDE"]
    ds.VOILUTFunction = args.voi.upper()
    ds.PresentationLUTShape = "INVERSE" if args.photometric == "MONOCHROME1" else "IDENTITY"
    stored = (top - pixels) if args.photometric == "MONOCHROME1" else pixels
    ds.PixelData = stored.astype("<u2").tobytes()
    return ds


def write(ds: Dataset, path: Path, implicit: bool) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    meta.ImplementationClassUID = "2.25.206011245356383393738416384424624766194"
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.save_as(path, enforce_file_format=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--studies", type=int, default=1)
    p.add_argument("--images-per-study", type=int, default=4)
    p.add_argument("--rows", type=int, default=256)
    p.add_argument("--columns", type=int, default=208)
    p.add_argument("--bits", type=int, choices=[12, 14, 16], default=12)
    p.add_argument("--photometric", choices=["MONOCHROME1", "MONOCHROME2"], default="MONOCHROME2")
    p.add_argument("--voi", choices=["linear", "sigmoid"], default="linear")
    p.add_argument("--sop-class", choices=["presentation", "processing", "tomosynthesis"], default="presentation")
    p.add_argument("--transfer-syntax", choices=["explicit", "implicit", "jpeg-lossless-sv1"], default="explicit")
    p.add_argument("--patient-id", default="9990001234", help="first study's PatientID (NHS number); later studies count up")
    p.add_argument("--patient-name", default="TESTER^JANE")
    p.add_argument("--accession", default=None, help="first study's accession number (default: random)")
    p.add_argument("--study-uid", default=None, help="the (first) study's StudyInstanceUID (default: new)")
    p.add_argument("--date", default="20261125")
    p.add_argument("--operator", default="HARGREAVES^JANE")
    p.add_argument("--implant-displaced", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--prefix", default="mg")
    args = p.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    base = {lat: breast(args.rows, args.columns, args.bits, lat, rng) for lat in ("L", "R")}
    jpeg = args.transfer_syntax == "jpeg-lossless-sv1"
    if jpeg and not shutil.which("dcmcjpeg"):
        print("dcmcjpeg (Debian package dcmtk) is needed for JPEG Lossless", file=sys.stderr)
        return 2
    tmpdir = Path(tempfile.mkdtemp(prefix="mg-")) if jpeg else None
    # dcmcjpeg runs in parallel, one per core.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    pending = []
    n = 0
    try:
        for s in range(args.studies):
            pid = args.patient_id if s == 0 else str(int(args.patient_id) + s) if args.patient_id.isdigit() else f"{args.patient_id}{s}"
            study = {
                "patient_id": pid,
                "patient_name": args.patient_name,
                "accession": (args.accession if s == 0 and args.accession else f"ACC{rng.integers(10**9, 10**10)}")[:16],
                "study_uid": args.study_uid if s == 0 and args.study_uid else new_uid(),
                "series_uid": new_uid(),
            }
            for i in range(args.images_per_study):
                lat, view = VIEWS[i % 4]
                # A little variation so no two images are byte-identical.
                pixels = np.roll(base[lat], n % 17, axis=0)
                ds = dataset(args, study, i, pixels, lat, view)
                path = args.out / f"{args.prefix}{n:05d}.dcm"
                if jpeg:
                    assert tmpdir is not None
                    raw = tmpdir / f"raw{n}.dcm"
                    write(ds, raw, implicit=False)

                    def encode(raw: Path = raw, path: Path = path) -> None:
                        subprocess.run(["dcmcjpeg", "+e1", str(raw), str(path)], check=True)
                        raw.unlink()

                    pending.append(pool.submit(encode))
                    # Keep at most a few raw files on disk at once.
                    while len(pending) > 2 * (os.cpu_count() or 2):
                        pending.pop(0).result()
                else:
                    write(ds, path, implicit=args.transfer_syntax == "implicit")
                print(f"{path}\t{study['patient_id']}\t{study['accession']}\t{study['study_uid']}\t{ds.SOPInstanceUID}")
                n += 1
        for f in pending:
            f.result()
    finally:
        pool.shutdown(wait=True)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
