//! A journal's lines: what a run started (`Entry`) and what it says is left (`Left`).

use super::proc::Identity;
use super::FOLDER_PREFIX;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What the reaper, a later run or `down` may have to remove, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// The run itself (the journal's first line).
    Owner(Identity),
    /// A process group the run started; its leader's identity.
    Group(Identity),
    Ungroup(i32),
    /// A private folder (database, workspaces, logs).
    Dir(PathBuf),
    Undir(PathBuf),
    /// A compose project: its containers, the worker containers it labels, networks, volumes.
    Project(String),
    Unproject(String),
    /// An image tag the run made for itself.
    Image(String),
    Unimage(String),
    /// `--keep-up`: what the run started stays until `down` removes it.
    Keep,
    /// The run ended and cleaned up after itself (whatever `Keep` keeps aside).
    Done,
}

impl Entry {
    /// The journal's line, or `None` for a value a line cannot hold (a line break).
    pub(super) fn line(&self) -> Option<String> {
        let (verb, value) = match self {
            Entry::Owner(i) => ("owner", i.line()),
            Entry::Group(i) => ("group", i.line()),
            Entry::Ungroup(g) => ("ungroup", g.to_string()),
            Entry::Dir(d) => ("dir", d.to_str()?.to_owned()),
            Entry::Undir(d) => ("undir", d.to_str()?.to_owned()),
            Entry::Project(p) => ("project", p.clone()),
            Entry::Unproject(p) => ("unproject", p.clone()),
            Entry::Image(i) => ("image", i.clone()),
            Entry::Unimage(i) => ("unimage", i.clone()),
            Entry::Keep => return Some("keep".into()),
            Entry::Done => return Some("done".into()),
        };
        (!value.contains(['\n', '\r'])).then(|| format!("{verb} {value}"))
    }

    /// A journal's line read back; what is not one of ours is `None`. Names that are not
    /// plainly a project, a tag or one of the suite's temporary folders are refused: the
    /// reaper acts on them.
    fn parse(line: &str) -> Option<Entry> {
        if line == "keep" {
            return Some(Entry::Keep);
        }
        if line == "done" {
            return Some(Entry::Done);
        }
        let (verb, value) = line.split_once(' ')?;
        Some(match verb {
            "owner" => Entry::Owner(Identity::parse(value)?),
            "group" => Entry::Group(Identity::parse(value)?),
            "ungroup" => Entry::Ungroup(value.parse().ok()?),
            "dir" => Entry::Dir(ours(value)?),
            "undir" => Entry::Undir(PathBuf::from(value)),
            "project" => Entry::Project(plain(value, "-_")?),
            "unproject" => Entry::Unproject(value.to_owned()),
            "image" => Entry::Image(plain(value, "-_.:/")?),
            "unimage" => Entry::Unimage(value.to_owned()),
            _ => return None,
        })
    }
}

/// A name of ASCII letters, digits and `extra`, not starting with `-`.
fn plain(value: &str, extra: &str) -> Option<String> {
    let fine = !value.is_empty()
        && !value.starts_with('-')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
    fine.then(|| value.to_owned())
}

/// A folder the suite made in the temporary folder: `<temp dir>/codex-…`, nothing else.
fn ours(value: &str) -> Option<PathBuf> {
    let path = PathBuf::from(value);
    let name = path.file_name()?.to_str()?;
    let inside = path.parent() == Some(std::env::temp_dir().as_path());
    (inside && name.starts_with(FOLDER_PREFIX) && !name.contains("..")).then_some(path)
}

/// What a journal says is left: what the run started and did not clean up.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Left {
    pub owner: Option<Identity>,
    /// Group id → its leader's identity.
    pub groups: BTreeMap<i32, Identity>,
    pub dirs: BTreeSet<PathBuf>,
    pub projects: BTreeSet<String>,
    pub images: BTreeSet<String>,
    pub keep: bool,
    pub done: bool,
}

impl Left {
    /// A journal's lines replayed: each thing named and not taken back.
    pub(crate) fn read(text: &str) -> Left {
        let mut left = Left::default();
        for entry in text.lines().filter_map(Entry::parse) {
            match entry {
                Entry::Owner(i) => left.owner = Some(i),
                Entry::Group(i) => {
                    left.groups.insert(i.pid, i);
                }
                Entry::Ungroup(g) => {
                    left.groups.remove(&g);
                }
                Entry::Dir(d) => {
                    left.dirs.insert(d);
                }
                Entry::Undir(d) => {
                    left.dirs.remove(&d);
                }
                Entry::Project(p) => {
                    left.projects.insert(p);
                }
                Entry::Unproject(p) => {
                    left.projects.remove(&p);
                }
                Entry::Image(i) => {
                    left.images.insert(i);
                }
                Entry::Unimage(i) => {
                    left.images.remove(&i);
                }
                Entry::Keep => left.keep = true,
                Entry::Done => left.done = true,
            }
        }
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Identity {
        Identity::own().unwrap()
    }

    #[test]
    fn a_journal_read_back_is_what_was_said_and_not_taken_back() {
        let tmp = std::env::temp_dir();
        let folder = tmp.join("codex-process-run-abc");
        let other = tmp.join("codex-local-run-def");
        let lines: Vec<String> = [
            Entry::Owner(me()),
            Entry::Group(Identity {
                pid: 4242,
                start: 7,
                boot: "b".into(),
            }),
            Entry::Group(Identity {
                pid: 77,
                start: 8,
                boot: "b".into(),
            }),
            Entry::Ungroup(77),
            Entry::Dir(folder.clone()),
            Entry::Dir(other.clone()),
            Entry::Undir(other),
            Entry::Project("codex-2026-12-07t14-00-00z-42".into()),
            Entry::Image("codex-backend:codex-2026-12-07t14-00-00z-42".into()),
            Entry::Image("codex-worker:x".into()),
            Entry::Unimage("codex-worker:x".into()),
        ]
        .iter()
        .map(|e| e.line().unwrap())
        .collect();
        let left = Left::read(&(lines.join("\n") + "\nnoise\ngroup 1 2 b\n"));
        assert_eq!(left.owner, Some(me()));
        assert_eq!(left.groups.keys().copied().collect::<Vec<_>>(), [4242]);
        assert_eq!(left.dirs.into_iter().collect::<Vec<_>>(), [folder]);
        assert_eq!(left.projects.len(), 1);
        assert_eq!(
            left.images.into_iter().collect::<Vec<_>>(),
            ["codex-backend:codex-2026-12-07t14-00-00z-42"]
        );
        assert!(!left.keep && !left.done);
        let ended = Left::read("owner 5 6 b\nkeep\ndone\n");
        assert!(ended.keep && ended.done && ended.groups.is_empty());
    }

    #[test]
    fn a_journal_cannot_name_what_the_suite_did_not_make() {
        for line in [
            "dir /",
            "dir /home/user",
            "dir /tmp/codex-x/../../etc",
            "dir relative/codex-x",
            "project --all",
            "project a b",
            "image -f",
            "image a;rm",
            "group 1 5 b",
            "group x 5 b",
            "owner 42 5 b extra",
        ] {
            assert_eq!(Entry::parse(line), None, "{line}");
        }
        assert_eq!(
            Entry::Dir(PathBuf::from("/tmp/a\nb")).line(),
            None,
            "a line break cannot be journaled"
        );
    }
}
