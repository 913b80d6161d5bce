//! Demographic events in the life of units.

use super::text_enum;

text_enum! {
    /// What happened.
    EventKind {
        /// A unit came into being.
        Birth => "birth",
        /// A unit ceased to exist.
        Death => "death",
        /// A dead or inactive unit became active again.
        Reactivation => "reactivation",
        /// Two or more units became one new unit.
        Merger => "merger",
        /// A unit was absorbed by another that lives on.
        TakeOver => "take_over",
        /// A new unit was split off from one that lives on.
        SplitOff => "split_off",
        /// A unit was broken up into several new ones.
        BreakUp => "break_up",
        /// Anything else worth recording.
        Other => "other",
    }
}

text_enum! {
    /// The part a unit plays in an event.
    EventRole {
        /// The unit the event is about (births, deaths, reactivations).
        Subject => "subject",
        /// A unit that existed before (merged, taken over, broken up).
        Predecessor => "predecessor",
        /// A unit that exists after (the new or absorbing unit).
        Successor => "successor",
    }
}
