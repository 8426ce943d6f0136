//! The verdicts of lock claims, fix proofs and index trials: typed, written as the words the
//! reports and the JSON have always used.

macro_rules! verdict {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

verdict! {
    /// What a fix proof showed.
    FixVerdict {
        /// Same end schema and data, no table locked harder, the heavy work under a weaker lock.
        Proven => "proven",
        /// As `Proven`, but the tables the original locked had no rows to compare (empty, or no
        /// `--rows`): the data the recipe leaves was not checked.
        ProvenSchemaOnly => "proven (schema only)",
        /// The recipe's end schema differs from the original's.
        NotEquivalent => "not equivalent",
        /// The recipe locks as hard as the original, or does its heavy work under the same lock.
        NotSafer => "not safer",
        /// The server rejected the recipe.
        FixFails => "fix fails",
        /// Nothing to compare (the original took no lock on an existing table, or did not run).
        Inconclusive => "inconclusive",
    }
}

verdict! {
    /// What trying a suggested index between two `EXPLAIN`s showed.
    IndexVerdict {
        /// The plan uses the index and its estimated cost drops by at least `MIN_GAIN`.
        Proven => "proven",
        /// Used, but the plan costs about the same.
        NoGain => "no gain",
        /// The plan does not use the index.
        NotUsed => "not used",
        /// The server rejected the index.
        FixFails => "fix fails",
        /// No plan to compare.
        Inconclusive => "inconclusive",
    }
}

verdict! {
    /// What the server showed about a lock a static finding claimed for a statement.
    LockVerdict {
        /// The statement ran holding at least the claimed lock on a pre-existing relation.
        Confirmed => "confirmed",
        /// It did not.
        NotObserved => "not observed",
        /// It ran outside a transaction (`CONCURRENTLY`, `VACUUM`) and finished before the
        /// watching connection saw any lock.
        Inconclusive => "inconclusive",
    }
}
