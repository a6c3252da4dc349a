//! How many images were taken of each view.

use super::*;

/// The most images of one view that can be recorded.
pub const MAX_COUNT: u8 = 9;

/// A count of images that cannot be recorded. The message is the one shown on the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    /// Not a whole number.
    #[error("Enter a valid number of {} images", .0.label())]
    NotANumber(View),
    /// Below zero.
    #[error("Number of {} images must be at least 0", .0.label())]
    Negative(View),
    /// Above [`MAX_COUNT`].
    #[error("Number of {} images must be at most {}", .0.label(), MAX_COUNT)]
    TooMany(View),
}

impl CountError {
    /// The view whose count is wrong.
    pub const fn view(self) -> View {
        match self {
            CountError::NotANumber(v) | CountError::Negative(v) | CountError::TooMany(v) => v,
        }
    }
}

/// How many images were taken of each view, each 0 to [`MAX_COUNT`].
///
/// The default is the standard set: one of each standard view, no implant-displaced views
/// (the starting values of the steppers). Stored as a map from view value to count,
/// `{"rcc": 1, "rmlo": 2, …}`; a missing view reads as 0 and a count above 9 is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewCounts([u8; 8]);

impl Default for ViewCounts {
    fn default() -> Self {
        ViewCounts::STANDARD
    }
}

impl ViewCounts {
    /// No images of any view.
    pub const ZERO: ViewCounts = ViewCounts([0; 8]);

    /// The standard set: 1 RCC, 1 RMLO, 1 LCC, 1 LMLO.
    pub const STANDARD: ViewCounts = ViewCounts([1, 1, 1, 1, 0, 0, 0, 0]);

    /// The count for `view`.
    pub const fn get(&self, view: View) -> u8 {
        self.0[view.index()]
    }

    /// Sets the count for `view`, refusing more than [`MAX_COUNT`].
    pub fn set(&mut self, view: View, count: u8) -> Result<(), CountError> {
        if count > MAX_COUNT {
            return Err(CountError::TooMany(view));
        }
        self.0[view.index()] = count;
        Ok(())
    }

    /// These counts with `view` set to `count`, refusing more than [`MAX_COUNT`].
    pub fn with(mut self, view: View, count: u8) -> Result<ViewCounts, CountError> {
        self.set(view, count)?;
        Ok(self)
    }

    /// Counts from `(view, count)` pairs, other views 0.
    pub fn from_pairs(pairs: &[(View, u8)]) -> Result<ViewCounts, CountError> {
        pairs
            .iter()
            .try_fold(ViewCounts::ZERO, |counts, &(view, n)| counts.with(view, n))
    }

    /// Every view with its count, in [`View::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (View, u8)> + '_ {
        View::ALL.iter().map(|&view| (view, self.get(view)))
    }

    /// The live "Images taken: N".
    pub fn total(&self) -> u16 {
        self.0.iter().map(|&n| u16::from(n)).sum()
    }

    /// Reads one stepper input. Blank reads as 0 (a cleared box); anything else must be a
    /// whole number from 0 to [`MAX_COUNT`].
    pub fn parse_count(view: View, input: &str) -> Result<u8, CountError> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(0);
        }
        match input.parse::<i64>() {
            Ok(n) if n < 0 => Err(CountError::Negative(view)),
            Ok(n) if n > i64::from(MAX_COUNT) => Err(CountError::TooMany(view)),
            Ok(n) => Ok(n as u8),
            Err(_) => Err(CountError::NotANumber(view)),
        }
    }

    /// Reads the stepper inputs of the "How many images were taken?" page. Views without
    /// an input are 0. Every bad input is reported, in the order given.
    pub fn parse<'a>(
        inputs: impl IntoIterator<Item = (View, &'a str)>,
    ) -> Result<ViewCounts, Vec<CountError>> {
        let mut counts = ViewCounts::ZERO;
        let mut errors = Vec::new();
        for (view, input) in inputs {
            match ViewCounts::parse_count(view, input) {
                Ok(n) => counts.0[view.index()] = n,
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(counts)
        } else {
            Err(errors)
        }
    }
}

impl Serialize for ViewCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(View::ALL.len()))?;
        for (view, n) in self.iter() {
            map.serialize_entry(&view, &n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ViewCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<View, u8>::deserialize(d)?;
        let mut counts = ViewCounts::ZERO;
        for (view, n) in map {
            counts.set(view, n).map_err(serde::de::Error::custom)?;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use View::*;

    #[test]
    fn view_counts() {
        let default = ViewCounts::default();
        assert_eq!(default, ViewCounts::STANDARD);
        assert_eq!(default.total(), 4);
        for &view in View::ALL {
            assert_eq!(default.get(view), u8::from(view.is_standard()));
        }
        assert_eq!(ViewCounts::ZERO.total(), 0);
        let counts = ViewCounts::from_pairs(&[(Rcc, 2), (Lmloid, 9)]).unwrap();
        assert_eq!(
            (counts.get(Rcc), counts.get(Lmloid), counts.total()),
            (2, 9, 11)
        );
        assert_eq!(
            ViewCounts::ZERO.with(Rcc, 10),
            Err(CountError::TooMany(Rcc))
        );
        let mut c = ViewCounts::ZERO;
        assert_eq!(c.set(Lcc, 10), Err(CountError::TooMany(Lcc)));
        assert_eq!(c, ViewCounts::ZERO);

        let parse = |s| ViewCounts::parse_count(Rmlo, s);
        let table: &[(&str, Result<u8, CountError>)] = &[
            ("0", Ok(0)),
            ("9", Ok(9)),
            (" 3 ", Ok(3)),
            ("", Ok(0)),
            ("10", Err(CountError::TooMany(Rmlo))),
            ("99999999999999999999", Err(CountError::NotANumber(Rmlo))),
            ("-1", Err(CountError::Negative(Rmlo))),
            ("1.5", Err(CountError::NotANumber(Rmlo))),
            ("one", Err(CountError::NotANumber(Rmlo))),
        ];
        for &(input, expected) in table {
            assert_eq!(parse(input), expected, "{input:?}");
        }
        let err: ImagingError = CountError::Negative(Lccid).into();
        assert_eq!(err.field_id(), "count-lccid");
        assert_eq!(err.to_string(), "Number of LCCID images must be at least 0");

        assert_eq!(
            ViewCounts::parse([(Rcc, "2"), (Lcc, "1")]),
            Ok(ViewCounts::from_pairs(&[(Rcc, 2), (Lcc, 1)]).unwrap())
        );
        assert_eq!(
            ViewCounts::parse([(Rcc, "x"), (Lcc, "-2")]),
            Err(vec![CountError::NotANumber(Rcc), CountError::Negative(Lcc)])
        );
    }

    #[test]
    fn view_counts_are_read_back_as_a_map_and_refuse_more_than_nine() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, MapDeserializer};
        let read = |pairs: Vec<(&'static str, u8)>| {
            ViewCounts::deserialize(MapDeserializer::<_, Error>::new(
                pairs.into_iter().map(|(k, v)| (k.into_deserializer(), v)),
            ))
        };
        assert_eq!(
            read(vec![("rcc", 2), ("lmloid", 1)]).unwrap(),
            ViewCounts::from_pairs(&[(Rcc, 2), (Lmloid, 1)]).unwrap()
        );
        assert!(read(vec![("rcc", 10)]).is_err());
        assert!(read(vec![("xcc", 1)]).is_err());
    }
}
