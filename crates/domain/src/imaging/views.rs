//! The views of a mammogram: breast, projection and view.

labelled_enum! {
    /// A breast. Views are listed right first, as staff read them.
    pub enum Breast ("breast") {
        Right => ("right", "Right"),
        Left => ("left", "Left"),
    }
}

impl Breast {
    /// The heading views are grouped under: "Right breast" / "Left breast".
    pub const fn heading(self) -> &'static str {
        match self {
            Breast::Right => "Right breast",
            Breast::Left => "Left breast",
        }
    }

    /// The breast in a sentence: "the right breast".
    pub const fn in_sentence(self) -> &'static str {
        match self {
            Breast::Right => "the right breast",
            Breast::Left => "the left breast",
        }
    }
}

labelled_enum! {
    /// The base projection of a view: craniocaudal or mediolateral oblique.
    pub enum Projection ("projection") {
        Cc => ("cc", "CC"),
        Mlo => ("mlo", "MLO"),
    }
}

impl Projection {
    /// The projection's name in full, lower case: "craniocaudal".
    pub const fn name(self) -> &'static str {
        match self {
            Projection::Cc => "craniocaudal",
            Projection::Mlo => "mediolateral oblique",
        }
    }
}

labelled_enum! {
    /// A mammogram view that can be recorded by hand: the four standard views and their
    /// implant-displaced (Eklund) versions. The label is the code PACS uses ("RCC",
    /// "LMLOID"). Declaration order is the order counts are stored and shown in.
    pub enum View ("mammogram view") {
        /// Right craniocaudal.
        Rcc => ("rcc", "RCC"),
        /// Right mediolateral oblique.
        Rmlo => ("rmlo", "RMLO"),
        /// Left craniocaudal.
        Lcc => ("lcc", "LCC"),
        /// Left mediolateral oblique.
        Lmlo => ("lmlo", "LMLO"),
        /// Right craniocaudal, implant displaced (Eklund).
        Rccid => ("rccid", "RCCID"),
        /// Right mediolateral oblique, implant displaced (Eklund).
        Rmloid => ("rmloid", "RMLOID"),
        /// Left craniocaudal, implant displaced (Eklund).
        Lccid => ("lccid", "LCCID"),
        /// Left mediolateral oblique, implant displaced (Eklund).
        Lmloid => ("lmloid", "LMLOID"),
    }
}

/// Another name for [`View`].
pub type ViewKind = View;

impl View {
    /// The standard set: RCC, RMLO, LCC, LMLO.
    pub const STANDARD: [View; 4] = [View::Rcc, View::Rmlo, View::Lcc, View::Lmlo];

    /// The implant-displaced (Eklund) views: RCCID, RMLOID, LCCID, LMLOID.
    pub const IMPLANT_DISPLACED: [View; 4] = [View::Rccid, View::Rmloid, View::Lccid, View::Lmloid];

    /// The view of `breast` in `projection`, implant displaced or not.
    pub const fn of(breast: Breast, projection: Projection, implant_displaced: bool) -> View {
        use Breast::*;
        use Projection::*;
        match (breast, projection, implant_displaced) {
            (Right, Cc, false) => View::Rcc,
            (Right, Mlo, false) => View::Rmlo,
            (Left, Cc, false) => View::Lcc,
            (Left, Mlo, false) => View::Lmlo,
            (Right, Cc, true) => View::Rccid,
            (Right, Mlo, true) => View::Rmloid,
            (Left, Cc, true) => View::Lccid,
            (Left, Mlo, true) => View::Lmloid,
        }
    }

    /// The views of one breast, in the order of its column on the page: CC, MLO, CCID,
    /// MLOID.
    pub const fn for_breast(breast: Breast) -> [View; 4] {
        [
            View::of(breast, Projection::Cc, false),
            View::of(breast, Projection::Mlo, false),
            View::of(breast, Projection::Cc, true),
            View::of(breast, Projection::Mlo, true),
        ]
    }

    /// The breast this view is of.
    pub const fn breast(self) -> Breast {
        use View::*;
        match self {
            Rcc | Rmlo | Rccid | Rmloid => Breast::Right,
            Lcc | Lmlo | Lccid | Lmloid => Breast::Left,
        }
    }

    /// The base projection, CC or MLO, implant displaced or not.
    pub const fn projection(self) -> Projection {
        use View::*;
        match self {
            Rcc | Lcc | Rccid | Lccid => Projection::Cc,
            Rmlo | Lmlo | Rmloid | Lmloid => Projection::Mlo,
        }
    }

    /// Whether this is an implant-displaced (Eklund) view.
    pub const fn is_implant_displaced(self) -> bool {
        use View::*;
        matches!(self, Rccid | Rmloid | Lccid | Lmloid)
    }

    /// Whether this is one of the four standard views.
    pub const fn is_standard(self) -> bool {
        !self.is_implant_displaced()
    }

    /// The standard view this one is taken in addition to (itself for a standard view).
    pub const fn standard_view(self) -> View {
        View::of(self.breast(), self.projection(), false)
    }

    /// The code without the side, as in a breast's column: "CC", "MLO", "CCID", "MLOID".
    pub const fn code_without_side(self) -> &'static str {
        match (self.projection(), self.is_implant_displaced()) {
            (Projection::Cc, false) => "CC",
            (Projection::Mlo, false) => "MLO",
            (Projection::Cc, true) => "CCID",
            (Projection::Mlo, true) => "MLOID",
        }
    }

    /// The view in full: "Right craniocaudal (CC)", "Left implant-displaced mediolateral
    /// oblique (MLOID)".
    pub const fn description(self) -> &'static str {
        use View::*;
        match self {
            Rcc => "Right craniocaudal (CC)",
            Rmlo => "Right mediolateral oblique (MLO)",
            Lcc => "Left craniocaudal (CC)",
            Lmlo => "Left mediolateral oblique (MLO)",
            Rccid => "Right implant-displaced craniocaudal (CCID)",
            Rmloid => "Right implant-displaced mediolateral oblique (MLOID)",
            Lccid => "Left implant-displaced craniocaudal (CCID)",
            Lmloid => "Left implant-displaced mediolateral oblique (MLOID)",
        }
    }

    pub(super) const fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use View::*;

    #[test]
    fn views() {
        /// View, value, label, description, breast, projection, standard?, its standard
        /// view, code without the side.
        type Row = (
            View,
            &'static str,
            &'static str,
            &'static str,
            Breast,
            Projection,
            bool,
            View,
            &'static str,
        );
        let table: &[Row] = &[
            (
                Rcc,
                "rcc",
                "RCC",
                "Right craniocaudal (CC)",
                Breast::Right,
                Projection::Cc,
                true,
                Rcc,
                "CC",
            ),
            (
                Rmlo,
                "rmlo",
                "RMLO",
                "Right mediolateral oblique (MLO)",
                Breast::Right,
                Projection::Mlo,
                true,
                Rmlo,
                "MLO",
            ),
            (
                Lcc,
                "lcc",
                "LCC",
                "Left craniocaudal (CC)",
                Breast::Left,
                Projection::Cc,
                true,
                Lcc,
                "CC",
            ),
            (
                Lmlo,
                "lmlo",
                "LMLO",
                "Left mediolateral oblique (MLO)",
                Breast::Left,
                Projection::Mlo,
                true,
                Lmlo,
                "MLO",
            ),
            (
                Rccid,
                "rccid",
                "RCCID",
                "Right implant-displaced craniocaudal (CCID)",
                Breast::Right,
                Projection::Cc,
                false,
                Rcc,
                "CCID",
            ),
            (
                Rmloid,
                "rmloid",
                "RMLOID",
                "Right implant-displaced mediolateral oblique (MLOID)",
                Breast::Right,
                Projection::Mlo,
                false,
                Rmlo,
                "MLOID",
            ),
            (
                Lccid,
                "lccid",
                "LCCID",
                "Left implant-displaced craniocaudal (CCID)",
                Breast::Left,
                Projection::Cc,
                false,
                Lcc,
                "CCID",
            ),
            (
                Lmloid,
                "lmloid",
                "LMLOID",
                "Left implant-displaced mediolateral oblique (MLOID)",
                Breast::Left,
                Projection::Mlo,
                false,
                Lmlo,
                "MLOID",
            ),
        ];
        assert_eq!(table.len(), View::ALL.len());
        for &(view, value, label, description, breast, projection, standard, base, code) in table {
            assert_eq!(view.as_str(), value);
            assert_eq!(view.label(), label);
            assert_eq!(view.to_string(), label);
            assert_eq!(value.parse::<View>(), Ok(view));
            assert_eq!(view.description(), description);
            assert_eq!(view.breast(), breast);
            assert_eq!(view.projection(), projection);
            assert_eq!(view.is_standard(), standard);
            assert_eq!(view.is_implant_displaced(), !standard);
            assert_eq!(view.standard_view(), base);
            assert_eq!(view.code_without_side(), code);
            assert_eq!(View::of(breast, projection, !standard), view);
            assert!(View::for_breast(breast).contains(&view));
        }
        assert_eq!(View::for_breast(Breast::Left), [Lcc, Lmlo, Lccid, Lmloid]);
        assert!("RCC".parse::<View>().is_err());
    }
}
