//! Parsing application bodies (written next).
