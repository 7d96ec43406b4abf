// SPDX-License-Identifier: GPL-3.0-or-later
//! How the picture is fitted to the screen: one closed set, spelt the same way in the
//! configuration, the state file and the menu.

use serde::{Deserialize, Serialize};

/// How the picture is fitted to the screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aspect {
    /// Keep the stream's aspect ratio, bars where needed.
    #[default]
    Auto,
    /// Like `Auto`, but also letterbox 4:3 content signalled as anamorphic.
    Letterbox,
    /// Fill the screen, cropping what does not fit.
    Zoom,
    /// Fill the screen, distorting the picture.
    Stretch,
}

impl Aspect {
    /// Every fit, in the order the menu cycles through them.
    pub const ALL: [Aspect; 4] = [Aspect::Auto, Aspect::Letterbox, Aspect::Zoom, Aspect::Stretch];

    /// Parses the config spelling; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Auto => "auto",
            Aspect::Letterbox => "letterbox",
            Aspect::Zoom => "zoom",
            Aspect::Stretch => "stretch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fit_parses_from_its_own_spelling() {
        for aspect in Aspect::ALL {
            assert_eq!(Aspect::parse(aspect.as_str()), Some(aspect));
        }
        assert_eq!(Aspect::parse("Zoom"), None);
    }
}
