use super::*;
use std::time::Duration;

#[test]
fn the_phases_sent_are_kept_in_order_for_the_report() {
    let events = Events::silent();
    assert!(events.phases().is_empty());
    let built = events.timed(Phase::Build, || 7);
    assert_eq!(built, 7);
    events.emit(Event::Phase {
        phase: Phase::Up,
        at: Duration::from_secs(3),
        took: Duration::from_millis(250),
    });
    events.line("not a phase");
    let phases = events.phases();
    assert_eq!(
        phases.iter().map(|p| p.phase).collect::<Vec<_>>(),
        [Phase::Build, Phase::Up]
    );
    assert_eq!(phases[1].end(), Duration::from_millis(3250));
    // In the report as seconds, like every duration the suite writes.
    let json = serde_json::to_value(phases[1]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"phase": "up", "at": 3.0, "took": 0.25})
    );
}
