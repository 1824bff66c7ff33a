use super::*;
use codex_live_suite::docker::{
    containers_with_label, probe_engine, remove_project, COMPOSE_PROJECT_LABEL, STACK_LABEL,
};

/// Real engine: a failed build names the image and the step; a stack's containers, network
/// and volume are found and removed by their labels. Skipped without an engine.
#[test]
fn image_build_and_stack_removal_against_the_engine() {
    if let Err(why) = probe_engine() {
        return println!("skipped: {why}");
    }
    let unique = format!("codex-docker-test-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload");
    std::fs::write(
        &payload,
        "not a program; the container is created, never started",
    )
    .unwrap();

    let broken = dir.path().join("Broken.Dockerfile");
    std::fs::write(&broken, "FROM scratch\nCOPY missing-file /x\n").unwrap();
    let err = format!(
        "{:#}",
        build_image(&broken, &payload, &format!("{unique}:broken")).unwrap_err()
    );
    assert!(
        err.contains("docker build of") && err.contains("missing-file"),
        "{err}"
    );

    let good = dir.path().join("Dockerfile");
    std::fs::write(
        &good,
        "FROM scratch\nARG BINARY\nCOPY ${BINARY} /payload\nENTRYPOINT [\"/payload\"]\n",
    )
    .unwrap();
    let tag = format!("{unique}:latest");
    build_image(&good, &payload, &tag).unwrap();
    assert!(image_size(&tag).unwrap() > 0);

    // Per-run tags of one content share one image; a new content replaces the old
    // content tag but never a run's tag.
    let (run_a, run_b) = (format!("{unique}:run-a"), format!("{unique}:run-b"));
    ensure_image(&good, &payload, &run_a).unwrap();
    ensure_image(&good, &payload, &run_b).unwrap();
    assert_eq!(image_id(&run_a), image_id(&run_b));
    let first = content_tag(&run_a, &good, &payload).unwrap();
    std::fs::write(&payload, "another program").unwrap();
    let run_c = format!("{unique}:run-c");
    ensure_image(&good, &payload, &run_c).unwrap();
    assert_ne!(image_id(&run_a), image_id(&run_c));
    assert_eq!(image_id(&first), None, "the older content tag is removed");
    assert!(image_id(&run_a).is_some(), "a run's tag keeps its image");
    assert_eq!(content_tags(&unique).len(), 1);

    assert_stack_removed_by_labels(&unique, &tag);
    let sh = Shell::new().unwrap();
    cmd!(sh, "docker rmi {tag}")
        .quiet()
        .ignore_stdout()
        .run()
        .unwrap();
    for t in [run_a, run_b, run_c]
        .into_iter()
        .chain(content_tags(&unique))
    {
        remove_tag(&t);
    }
    assert!(content_tags(&unique).is_empty());
}

/// A stack as a run leaves it (two workers, a compose container, network and volume, from
/// `tag`) is found by its labels and removed, twice without error.
fn assert_stack_removed_by_labels(unique: &str, tag: &str) {
    let label = format!("{STACK_LABEL}={unique}");
    let project = format!("{COMPOSE_PROJECT_LABEL}={unique}");
    let sh = Shell::new().unwrap();
    for label in [&label, &label, &project] {
        cmd!(sh, "docker create --label {label} {tag}")
            .quiet()
            .ignore_stdout()
            .run()
            .unwrap();
    }
    for object in ["network", "volume"] {
        cmd!(
            sh,
            "docker {object} create --label {project} {unique}-{object}"
        )
        .quiet()
        .ignore_stdout()
        .run()
        .unwrap();
    }
    let left = || {
        let filter = format!("label={project}");
        let mut left = containers_with_label(STACK_LABEL, unique).unwrap();
        left.extend(containers_with_label(COMPOSE_PROJECT_LABEL, unique).unwrap());
        for object in ["network", "volume"] {
            let ids = cmd!(sh, "docker {object} ls -q --filter {filter}")
                .quiet()
                .read()
                .unwrap();
            left.extend(ids.split_whitespace().map(str::to_owned));
        }
        left
    };
    assert_eq!(left().len(), 5);
    remove_project(unique).unwrap();
    assert_eq!(left(), Vec::<String>::new());
    remove_project(unique).expect("idempotent");
}
