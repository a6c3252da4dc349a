#!/usr/bin/env python3
"""An MPPS client (pynetdicom) for the gateway's tests: sends one N-CREATE or N-SET.

    scripts/dicom/mpps.py HOST PORT create --uid UID --study-uid S --accession A --patient-id P
    scripts/dicom/mpps.py HOST PORT set --uid UID --status COMPLETED --series SERIES_UID --sop SOP_UID ...

Prints the response status as 0xNNNN (and the ErrorComment, if any); exits 0 when the
request got any response, 1 when no association or no response.
"""

from __future__ import annotations

import argparse
import sys

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pynetdicom import AE
from pynetdicom.sop_class import ModalityPerformedProcedureStep

MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("action", choices=["create", "set"])
    p.add_argument("--uid", required=True, help="the MPPS SOP instance UID")
    p.add_argument("--status", default=None, help="IN PROGRESS (create), COMPLETED or DISCONTINUED (set)")
    p.add_argument("--study-uid", default=None)
    p.add_argument("--accession", default=None)
    p.add_argument("--patient-id", default=None)
    p.add_argument("--series", default=None, help="performed series UID (set)")
    p.add_argument("--sop", action="append", default=[], help="an image in the performed series (set)")
    p.add_argument("--reason", default=None, help="discontinuation reason (code meaning)")
    p.add_argument("--aet", default="MAMMO1")
    p.add_argument("--aec", default="SCREENING")
    a = p.parse_args()

    ds = Dataset()
    if a.action == "create":
        step = Dataset()
        step.StudyInstanceUID = a.study_uid or ""
        step.AccessionNumber = a.accession or ""
        step.ReferencedStudySequence = Sequence([])
        step.RequestedProcedureID = "RP1"
        step.ScheduledProcedureStepID = "SPS1"
        ds.ScheduledStepAttributesSequence = Sequence([step])
        ds.PatientID = a.patient_id or ""
        ds.PatientName = "TESTER^JANE"
        ds.PerformedProcedureStepID = "PPS1"
        ds.PerformedStationAETitle = a.aet
        ds.PerformedProcedureStepStartDate = "20261125"
        ds.PerformedProcedureStepStartTime = "093000"
        ds.Modality = "MG"
        ds.PerformedSeriesSequence = Sequence([])
        if a.status != "":
            ds.PerformedProcedureStepStatus = a.status or "IN PROGRESS"
    else:
        ds.PerformedProcedureStepStatus = a.status or "COMPLETED"
        ds.PerformedProcedureStepEndDate = "20261125"
        ds.PerformedProcedureStepEndTime = "094000"
        if a.reason:
            c = Dataset()
            c.CodeValue = "110514"
            c.CodingSchemeDesignator = "DCM"
            c.CodeMeaning = a.reason
            ds.PerformedProcedureStepDiscontinuationReasonCodeSequence = Sequence([c])
        if a.series:
            s = Dataset()
            s.SeriesInstanceUID = a.series
            s.PerformingPhysicianName = ""
            s.OperatorsName = "HARGREAVES^JANE"
            s.ProtocolName = "Screening"
            s.RetrieveAETitle = ""
            s.SeriesDescription = ""
            refs = []
            for sop in a.sop:
                r = Dataset()
                r.ReferencedSOPClassUID = MG_FOR_PRESENTATION
                r.ReferencedSOPInstanceUID = sop
                refs.append(r)
            s.ReferencedImageSequence = Sequence(refs)
            s.ReferencedNonImageCompositeSOPInstanceSequence = Sequence([])
            ds.PerformedSeriesSequence = Sequence([s])

    ae = AE(ae_title=a.aet)
    ae.add_requested_context(ModalityPerformedProcedureStep)
    assoc = ae.associate(a.host, a.port, ae_title=a.aec)
    if not assoc.is_established:
        print("association failed", file=sys.stderr)
        return 1
    try:
        if a.action == "create":
            status, _ = assoc.send_n_create(ds, ModalityPerformedProcedureStep, a.uid)
        else:
            status, _ = assoc.send_n_set(ds, ModalityPerformedProcedureStep, a.uid)
    finally:
        assoc.release()
    if not status:
        print("no response", file=sys.stderr)
        return 1
    comment = status.get("ErrorComment", "")
    print(f"0x{status.Status:04X}" + (f" {comment}" if comment else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
