//! Statistics computed over the whole register: business demography.

pub mod demography;
