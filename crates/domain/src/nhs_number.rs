//! NHS numbers: ten digits whose last is a Modulus 11 check digit.

use std::fmt;
use std::str::FromStr;

/// A valid NHS number (the check digit holds). Construct one with [`NhsNumber::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber([u8; 10]);

/// Why a string is not a valid NHS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("Enter an NHS number")]
    Empty,
    #[error("NHS number must only include numbers")]
    NonDigit,
    #[error("NHS number must be 10 digits (it has {0})")]
    WrongLength(usize),
    #[error(
        "Enter a valid NHS number (the check value is 10, so no number with these first nine digits exists)"
    )]
    CheckValueTen,
    #[error("Enter a valid NHS number (the check digit does not match)")]
    BadCheckDigit,
}

impl NhsNumber {
    /// Parses an NHS number as people type it: spaces and hyphens between digits are
    /// ignored ("999 123 4560", "999-123-4560").
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        let mut digits = Vec::with_capacity(10);
        for c in trimmed.chars() {
            match c {
                ' ' | '-' => {}
                '0'..='9' => digits.push(c as u8 - b'0'),
                _ => return Err(NhsNumberError::NonDigit),
            }
        }
        let digits: [u8; 10] = digits
            .as_slice()
            .try_into()
            .map_err(|_| NhsNumberError::WrongLength(digits.len()))?;
        match check_digit(&digits[..9]) {
            None => Err(NhsNumberError::CheckValueTen),
            Some(check) if check == digits[9] => Ok(NhsNumber(digits)),
            Some(_) => Err(NhsNumberError::BadCheckDigit),
        }
    }

    /// Builds a valid NHS number from its first nine digits by appending the check digit.
    /// Returns `None` when those nine digits have no valid check digit (check value 10).
    pub fn from_first_nine(first_nine: u32) -> Option<Self> {
        if first_nine > 999_999_999 {
            return None;
        }
        let mut digits = [0u8; 10];
        let mut n = first_nine;
        for slot in digits[..9].iter_mut().rev() {
            *slot = (n % 10) as u8;
            n /= 10;
        }
        digits[9] = check_digit(&digits[..9])?;
        Some(NhsNumber(digits))
    }

    /// The ten digits with no spaces, as stored and exchanged with other systems.
    pub fn as_digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The number as shown to people: 3-3-4 ("999 123 4560").
    pub fn formatted(&self) -> String {
        let s = self.as_digits();
        format!("{} {} {}", &s[..3], &s[3..6], &s[6..])
    }
}

/// The Modulus 11 check digit for nine digits, or `None` when the check value is 10.
fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Formats a stored ten-digit string as 3-3-4 for display; anything else is shown as is.
pub fn format_digits(stored: &str) -> String {
    NhsNumber::parse(stored).map_or_else(|_| stored.to_owned(), |n| n.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_table() {
        use NhsNumberError::*;
        let cases: &[(&str, Result<&str, NhsNumberError>)] = &[
            ("9434765919", Ok("943 476 5919")),
            ("9991234578", Ok("999 123 4578")),
            ("999 123 4578", Ok("999 123 4578")),
            ("999-123-4578", Ok("999 123 4578")),
            (" 9434765919 ", Ok("943 476 5919")),
            // remainder 0 -> check 11 -> 0
            ("9990000050", Ok("999 000 0050")),
            ("9434765918", Err(BadCheckDigit)),
            ("9991234579", Err(BadCheckDigit)),
            ("9990000051", Err(BadCheckDigit)),
            // the weighted sum of 999123456 leaves check value 10: no valid number starts so
            ("9991234560", Err(CheckValueTen)),
            ("9991234564", Err(CheckValueTen)),
            ("943476591", Err(WrongLength(9))),
            ("94347659190", Err(WrongLength(11))),
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("94347659A9", Err(NonDigit)),
            ("943.476.5919", Err(NonDigit)),
            ("９４３４７６５９１９", Err(NonDigit)),
        ];
        for (input, expected) in cases {
            let got = NhsNumber::parse(input).map(|n| n.formatted());
            assert_eq!(got, expected.clone().map(str::to_owned), "input {input:?}");
        }
    }

    #[test]
    fn from_first_nine_always_yields_valid_numbers() {
        let mut made = 0;
        for n in 999_000_000..999_000_200 {
            if let Some(nhs) = NhsNumber::from_first_nine(n) {
                made += 1;
                assert_eq!(NhsNumber::parse(&nhs.as_digits()), Ok(nhs));
                assert!(nhs.as_digits().starts_with("999"));
            }
        }
        assert!(made > 150, "most prefixes have a check digit");
        assert_eq!(NhsNumber::from_first_nine(999_123_456), None);
        assert_eq!(NhsNumber::from_first_nine(1_000_000_000), None);
    }

    #[test]
    fn format_digits_leaves_bad_values_alone() {
        assert_eq!(format_digits("9434765919"), "943 476 5919");
        assert_eq!(format_digits("123"), "123");
    }
}
