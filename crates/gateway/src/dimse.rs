//! DIMSE messages, written once for every service the gateway offers.
//!
//! A DIMSE message is a command set (group 0000, always Implicit VR Little Endian) and, for
//! some commands, a data set in the presentation context's transfer syntax. Both travel as
//! P-DATA value items that may be split over many PDUs; [`Assembler`] puts them back
//! together and [`fragment`] splits outgoing ones to the peer's maximum PDU length.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu};

/// Command Field values (PS3.7 E.1).
pub mod field {
    pub const C_STORE_RQ: u16 = 0x0001;
    pub const C_STORE_RSP: u16 = 0x8001;
    pub const C_FIND_RQ: u16 = 0x0020;
    pub const C_FIND_RSP: u16 = 0x8020;
    pub const C_ECHO_RQ: u16 = 0x0030;
    pub const C_ECHO_RSP: u16 = 0x8030;
    pub const C_CANCEL_RQ: u16 = 0x0FFF;
    pub const N_SET_RQ: u16 = 0x0120;
    pub const N_SET_RSP: u16 = 0x8120;
    pub const N_CREATE_RQ: u16 = 0x0140;
    pub const N_CREATE_RSP: u16 = 0x8140;
}

/// DIMSE status codes the gateway sends.
pub mod status {
    pub const SUCCESS: u16 = 0x0000;
    pub const PENDING: u16 = 0xFF00;
    pub const CANCEL: u16 = 0xFE00;
    /// Storage: out of resources.
    pub const OUT_OF_RESOURCES: u16 = 0xA700;
    /// Storage: data set does not match SOP class.
    pub const DATASET_MISMATCH: u16 = 0xA900;
    /// Storage / find: cannot understand.
    pub const CANNOT_UNDERSTAND: u16 = 0xC000;
    /// Find: identifier does not match SOP class.
    pub const IDENTIFIER_MISMATCH: u16 = 0xA900;
    /// Unrecognised operation (a command this context does not support).
    pub const UNRECOGNIZED_OPERATION: u16 = 0x0211;
    /// N-services.
    pub const PROCESSING_FAILURE: u16 = 0x0110;
    pub const INVALID_ATTRIBUTE_VALUE: u16 = 0x0106;
    pub const DUPLICATE_SOP_INSTANCE: u16 = 0x0111;
    pub const NO_SUCH_OBJECT_INSTANCE: u16 = 0x0112;
    pub const MISSING_ATTRIBUTE: u16 = 0x0120;
    pub const SOP_CLASS_NOT_SUPPORTED: u16 = 0x0122;
}

/// Command set tags (group 0000).
mod tag {
    use dicom_core::Tag;
    pub const AFFECTED_SOP_CLASS_UID: Tag = Tag(0x0000, 0x0002);
    pub const REQUESTED_SOP_CLASS_UID: Tag = Tag(0x0000, 0x0003);
    pub const COMMAND_FIELD: Tag = Tag(0x0000, 0x0100);
    pub const MESSAGE_ID: Tag = Tag(0x0000, 0x0110);
    pub const MESSAGE_ID_RESPONDED_TO: Tag = Tag(0x0000, 0x0120);
    pub const PRIORITY: Tag = Tag(0x0000, 0x0700);
    pub const DATA_SET_TYPE: Tag = Tag(0x0000, 0x0800);
    pub const STATUS: Tag = Tag(0x0000, 0x0900);
    pub const ERROR_COMMENT: Tag = Tag(0x0000, 0x0902);
    pub const AFFECTED_SOP_INSTANCE_UID: Tag = Tag(0x0000, 0x1000);
    pub const REQUESTED_SOP_INSTANCE_UID: Tag = Tag(0x0000, 0x1001);
}

/// CommandDataSetType value meaning "no data set follows".
pub const NO_DATA_SET: u16 = 0x0101;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DimseError {
    #[error("the command set cannot be read: {0}")]
    Malformed(String),
    #[error("the command set has no {0}")]
    Missing(&'static str),
    #[error("a data value item arrived before its command was complete")]
    DataBeforeCommand,
    #[error(
        "a value item for presentation context {got} arrived while assembling one for {expected}"
    )]
    ContextChanged { expected: u8, got: u8 },
}

/// One DIMSE command set, request or response. Requested and affected SOP class/instance
/// UIDs share a field each: N-SET carries them as "requested", everything else as
/// "affected"; [`Command::encode`] writes them where the command field says they belong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub field: u16,
    pub message_id: Option<u16>,
    pub responding_to: Option<u16>,
    pub sop_class_uid: Option<String>,
    pub sop_instance_uid: Option<String>,
    pub priority: Option<u16>,
    pub has_data_set: bool,
    pub status: Option<u16>,
    pub error_comment: Option<String>,
}

fn uses_requested_uids(field: u16) -> bool {
    field == field::N_SET_RQ
}

fn trim(s: &str) -> String {
    s.trim_end_matches(['\0', ' ']).trim_start().to_owned()
}

impl Command {
    /// The response to `request` with `status` and no data set.
    pub fn response_to(request: &Command, field: u16, status: u16) -> Command {
        Command {
            field,
            message_id: None,
            responding_to: request.message_id,
            sop_class_uid: request.sop_class_uid.clone(),
            sop_instance_uid: request.sop_instance_uid.clone(),
            priority: None,
            has_data_set: false,
            status: Some(status),
            error_comment: None,
        }
    }

    pub fn with_error_comment(mut self, comment: impl Into<String>) -> Command {
        // LO: at most 64 characters.
        let mut c: String = comment.into();
        if c.len() > 64 {
            let mut cut = 64;
            while !c.is_char_boundary(cut) {
                cut -= 1;
            }
            c.truncate(cut);
        }
        self.error_comment = Some(c);
        self
    }

    /// Encodes the command set in Implicit VR Little Endian, group length first.
    pub fn encode(&self) -> Vec<u8> {
        let mut obj = InMemDicomObject::new_empty();
        let requested = uses_requested_uids(self.field);
        if let Some(uid) = &self.sop_class_uid {
            let t = if requested {
                tag::REQUESTED_SOP_CLASS_UID
            } else {
                tag::AFFECTED_SOP_CLASS_UID
            };
            obj.put(DataElement::new(
                t,
                VR::UI,
                PrimitiveValue::from(uid.as_str()),
            ));
        }
        obj.put(DataElement::new(
            tag::COMMAND_FIELD,
            VR::US,
            PrimitiveValue::from(self.field),
        ));
        if let Some(id) = self.message_id {
            obj.put(DataElement::new(
                tag::MESSAGE_ID,
                VR::US,
                PrimitiveValue::from(id),
            ));
        }
        if let Some(id) = self.responding_to {
            obj.put(DataElement::new(
                tag::MESSAGE_ID_RESPONDED_TO,
                VR::US,
                PrimitiveValue::from(id),
            ));
        }
        if let Some(p) = self.priority {
            obj.put(DataElement::new(
                tag::PRIORITY,
                VR::US,
                PrimitiveValue::from(p),
            ));
        }
        obj.put(DataElement::new(
            tag::DATA_SET_TYPE,
            VR::US,
            PrimitiveValue::from(if self.has_data_set {
                0x0000u16
            } else {
                NO_DATA_SET
            }),
        ));
        if let Some(s) = self.status {
            obj.put(DataElement::new(
                tag::STATUS,
                VR::US,
                PrimitiveValue::from(s),
            ));
        }
        if let Some(c) = &self.error_comment {
            obj.put(DataElement::new(
                tag::ERROR_COMMENT,
                VR::LO,
                PrimitiveValue::from(c.as_str()),
            ));
        }
        if let Some(uid) = &self.sop_instance_uid {
            let t = if requested {
                tag::REQUESTED_SOP_INSTANCE_UID
            } else {
                tag::AFFECTED_SOP_INSTANCE_UID
            };
            obj.put(DataElement::new(
                t,
                VR::UI,
                PrimitiveValue::from(uid.as_str()),
            ));
        }
        let mut body = Vec::with_capacity(256);
        // Writing group-0000 elements into a Vec cannot fail: every value above is valid.
        if obj
            .write_dataset_with_ts(&mut body, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
            .is_err()
        {
            body.clear();
        }
        let mut out = Vec::with_capacity(body.len() + 12);
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Decodes a command set (Implicit VR Little Endian).
    pub fn decode(bytes: &[u8]) -> Result<Command, DimseError> {
        crate::bounds::check(bytes, false).map_err(DimseError::Malformed)?;
        let obj =
            InMemDicomObject::read_dataset_with_ts(bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
                .map_err(|e| DimseError::Malformed(e.to_string()))?;
        let u16_of = |t: Tag| -> Result<Option<u16>, DimseError> {
            match obj.element_opt(t) {
                Ok(Some(e)) => e
                    .to_int::<u16>()
                    .map(Some)
                    .map_err(|e| DimseError::Malformed(e.to_string())),
                _ => Ok(None),
            }
        };
        let str_of = |t: Tag| -> Option<String> {
            match obj.element_opt(t) {
                Ok(Some(e)) => e.to_str().ok().map(|s| trim(&s)),
                _ => None,
            }
        };
        let field = u16_of(tag::COMMAND_FIELD)?.ok_or(DimseError::Missing("CommandField"))?;
        let data_set_type =
            u16_of(tag::DATA_SET_TYPE)?.ok_or(DimseError::Missing("CommandDataSetType"))?;
        Ok(Command {
            field,
            message_id: u16_of(tag::MESSAGE_ID)?,
            responding_to: u16_of(tag::MESSAGE_ID_RESPONDED_TO)?,
            sop_class_uid: str_of(tag::AFFECTED_SOP_CLASS_UID)
                .or_else(|| str_of(tag::REQUESTED_SOP_CLASS_UID)),
            sop_instance_uid: str_of(tag::AFFECTED_SOP_INSTANCE_UID)
                .or_else(|| str_of(tag::REQUESTED_SOP_INSTANCE_UID)),
            priority: u16_of(tag::PRIORITY)?,
            has_data_set: data_set_type != NO_DATA_SET,
            status: u16_of(tag::STATUS)?,
            error_comment: str_of(tag::ERROR_COMMENT),
        })
    }
}

/// A whole DIMSE message: its presentation context, command and data set bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Message {
    pub presentation_context_id: u8,
    pub command: Command,
    pub data: Option<Vec<u8>>,
}

/// Reassembles P-DATA value items into messages.
#[derive(Debug, Default)]
pub struct Assembler {
    pc_id: Option<u8>,
    command_bytes: Vec<u8>,
    command: Option<Command>,
    data: Vec<u8>,
}

impl Assembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// True when nothing is half-assembled.
    pub fn is_idle(&self) -> bool {
        self.pc_id.is_none()
    }

    /// Feeds one value item; returns a message once the command (and its data set, if it
    /// has one) is complete.
    pub fn push(&mut self, pdv: PDataValue) -> Result<Option<Message>, DimseError> {
        match self.pc_id {
            None => self.pc_id = Some(pdv.presentation_context_id),
            Some(expected) if expected != pdv.presentation_context_id => {
                let got = pdv.presentation_context_id;
                *self = Self::default();
                return Err(DimseError::ContextChanged { expected, got });
            }
            Some(_) => {}
        }
        match pdv.value_type {
            PDataValueType::Command => {
                if self.command.is_some() {
                    *self = Self::default();
                    return Err(DimseError::Malformed(
                        "a second command arrived before the data set".into(),
                    ));
                }
                if self.command_bytes.is_empty() && pdv.is_last {
                    self.command_bytes = pdv.data;
                } else {
                    self.command_bytes.extend_from_slice(&pdv.data);
                }
                if pdv.is_last {
                    let bytes = std::mem::take(&mut self.command_bytes);
                    let command = match Command::decode(&bytes) {
                        Ok(c) => c,
                        Err(e) => {
                            *self = Self::default();
                            return Err(e);
                        }
                    };
                    if !command.has_data_set {
                        let pc = self.pc_id.take().unwrap_or(pdv.presentation_context_id);
                        *self = Self::default();
                        return Ok(Some(Message {
                            presentation_context_id: pc,
                            command,
                            data: None,
                        }));
                    }
                    self.command = Some(command);
                }
                Ok(None)
            }
            PDataValueType::Data => {
                if self.command.is_none() {
                    *self = Self::default();
                    return Err(DimseError::DataBeforeCommand);
                }
                if self.data.is_empty() && pdv.is_last {
                    self.data = pdv.data;
                } else {
                    if self.data.is_empty() {
                        self.data.reserve(pdv.data.len() * 8);
                    }
                    self.data.extend_from_slice(&pdv.data);
                }
                if pdv.is_last {
                    let pc = self.pc_id.take().unwrap_or(pdv.presentation_context_id);
                    let command = self.command.take().ok_or(DimseError::DataBeforeCommand)?;
                    let data = std::mem::take(&mut self.data);
                    *self = Self::default();
                    return Ok(Some(Message {
                        presentation_context_id: pc,
                        command,
                        data: Some(data),
                    }));
                }
                Ok(None)
            }
        }
    }
}

/// Splits `bytes` into P-DATA PDUs of at most `max_pdu_length` bytes each (the peer's
/// negotiated maximum; 0 means unlimited). Each PDU carries one value item.
pub fn fragment(
    pc_id: u8,
    value_type: PDataValueType,
    bytes: &[u8],
    max_pdu_length: u32,
) -> Vec<Pdu> {
    // A value item adds 6 bytes: item length (4), context id (1), control header (1).
    let max = if max_pdu_length == 0 {
        usize::MAX
    } else {
        (max_pdu_length as usize).saturating_sub(6).max(1)
    };
    if bytes.is_empty() {
        return vec![Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: pc_id,
                value_type,
                is_last: true,
                data: Vec::new(),
            }],
        }];
    }
    let chunks: Vec<&[u8]> = bytes.chunks(max).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: pc_id,
                value_type: value_type.clone(),
                is_last: i + 1 == n,
                data: c.to_vec(),
            }],
        })
        .collect()
}

/// The PDUs of a whole message: command, then data set if any.
pub fn message_pdus(
    pc_id: u8,
    command: &Command,
    data: Option<&[u8]>,
    max_pdu_length: u32,
) -> Vec<Pdu> {
    let mut command = command.clone();
    command.has_data_set = data.is_some();
    let mut pdus = fragment(
        pc_id,
        PDataValueType::Command,
        &command.encode(),
        max_pdu_length,
    );
    if let Some(d) = data {
        pdus.extend(fragment(pc_id, PDataValueType::Data, d, max_pdu_length));
    }
    pdus
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_rq() -> Command {
        Command {
            field: field::C_STORE_RQ,
            message_id: Some(7),
            responding_to: None,
            sop_class_uid: Some("1.2.840.10008.5.1.4.1.1.1.2".into()),
            sop_instance_uid: Some("1.2.3.4".into()),
            priority: Some(0),
            has_data_set: true,
            status: None,
            error_comment: None,
        }
    }

    #[test]
    fn command_round_trips_and_starts_with_its_group_length() {
        let c = store_rq();
        let bytes = c.encode();
        // (0000,0000) UL, length 4, value = rest of the command set.
        assert_eq!(&bytes[0..8], &[0, 0, 0, 0, 4, 0, 0, 0]);
        let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        assert_eq!(len, bytes.len() - 12);
        assert_eq!(Command::decode(&bytes), Ok(c));
    }

    #[test]
    fn uids_are_even_length_padded() {
        let bytes = store_rq().encode();
        assert_eq!(bytes.len() % 2, 0);
        let c = Command::decode(&bytes).unwrap();
        assert_eq!(c.sop_instance_uid.as_deref(), Some("1.2.3.4"));
    }

    #[test]
    fn n_set_uses_requested_uids() {
        let c = Command {
            field: field::N_SET_RQ,
            message_id: Some(1),
            sop_class_uid: Some("1.2.840.10008.3.1.2.3.3".into()),
            sop_instance_uid: Some("1.2.9".into()),
            has_data_set: true,
            ..Default::default()
        };
        let bytes = c.encode();
        // (0000,1001) is present, (0000,1000) is not.
        let obj =
            InMemDicomObject::read_dataset_with_ts(&bytes[..], &IMPLICIT_VR_LITTLE_ENDIAN.erased())
                .unwrap();
        assert!(
            obj.element_opt(tag::REQUESTED_SOP_INSTANCE_UID)
                .unwrap()
                .is_some()
        );
        assert!(
            obj.element_opt(tag::AFFECTED_SOP_INSTANCE_UID)
                .unwrap()
                .is_none()
        );
        assert_eq!(Command::decode(&bytes).unwrap(), c);
    }

    #[test]
    fn response_carries_status_and_error_comment() {
        let rsp = Command::response_to(&store_rq(), field::C_STORE_RSP, status::DATASET_MISMATCH)
            .with_error_comment("x".repeat(100));
        let back = Command::decode(&rsp.encode()).unwrap();
        assert_eq!(back.status, Some(0xA900));
        assert_eq!(back.responding_to, Some(7));
        assert_eq!(back.error_comment.map(|c| c.len()), Some(64));
        assert!(!back.has_data_set);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Command::decode(&[1, 2, 3]).is_err());
        assert!(Command::decode(&[]).is_err());
        assert!(Command::decode(&[0xff; 64]).is_err());
    }

    #[test]
    fn fragments_reassemble_into_one_message() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let pdus = message_pdus(3, &store_rq(), Some(&data), 1000);
        assert!(pdus.len() > 10);
        let mut asm = Assembler::new();
        let mut out = None;
        for pdu in pdus {
            let Pdu::PData { data } = pdu else { panic!() };
            for pdv in data {
                assert!(pdv.data.len() <= 994);
                if let Some(m) = asm.push(pdv).unwrap() {
                    out = Some(m);
                }
            }
        }
        let m = out.unwrap();
        assert_eq!(m.presentation_context_id, 3);
        assert_eq!(m.command.field, field::C_STORE_RQ);
        assert_eq!(m.data.unwrap(), data);
        assert!(asm.is_idle());
    }

    #[test]
    fn message_without_data_set_completes_on_the_command() {
        let echo = Command {
            field: field::C_ECHO_RQ,
            message_id: Some(1),
            sop_class_uid: Some("1.2.840.10008.1.1".into()),
            ..Default::default()
        };
        let mut asm = Assembler::new();
        let mut got = None;
        for pdu in message_pdus(1, &echo, None, 16384) {
            let Pdu::PData { data } = pdu else { panic!() };
            for pdv in data {
                got = asm.push(pdv).unwrap();
            }
        }
        assert_eq!(got.unwrap().command.field, field::C_ECHO_RQ);
    }

    #[test]
    fn data_before_command_and_context_switches_are_errors() {
        let mut asm = Assembler::new();
        let pdv = PDataValue {
            presentation_context_id: 1,
            value_type: PDataValueType::Data,
            is_last: true,
            data: vec![1, 2],
        };
        assert_eq!(asm.push(pdv), Err(DimseError::DataBeforeCommand));
        let mut asm = Assembler::new();
        let bytes = store_rq().encode();
        asm.push(PDataValue {
            presentation_context_id: 1,
            value_type: PDataValueType::Command,
            is_last: false,
            data: bytes[..10].to_vec(),
        })
        .unwrap();
        let err = asm.push(PDataValue {
            presentation_context_id: 3,
            value_type: PDataValueType::Command,
            is_last: true,
            data: bytes[10..].to_vec(),
        });
        assert_eq!(
            err,
            Err(DimseError::ContextChanged {
                expected: 1,
                got: 3
            })
        );
    }
}
