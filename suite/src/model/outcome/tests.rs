use super::*;

fn report(verdicts: &[Verdict]) -> RunReport {
    RunReport {
        outcomes: verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut o =
                    ScenarioOutcome::new(&format!("L0{i}"), "t", Suite::Live, *v, "r".into());
                o.observations = vec!["seen".into()];
                o
            })
            .collect(),
        ..RunReport::for_tests()
    }
}

#[test]
fn overall_verdict_prefers_fail_over_error_and_needs_one_run() {
    use Verdict::*;
    assert_eq!(report(&[Pass, Skip]).overall_verdict(), Pass);
    assert_eq!(report(&[Error, Fail]).overall_verdict(), Fail);
    assert_eq!(report(&[Error, Skip]).overall_verdict(), Error);
    assert_eq!(report(&[Skip]).overall_verdict(), Skip);
    assert_eq!(report(&[]).overall_verdict(), Skip);
    assert_eq!(report(&[Pass, Pass]).observations(), 2);
}

#[test]
fn problems_and_passes_keep_one_line() {
    let p = Problem::fail("a\n  b").expected("x");
    assert_eq!((p.kind, p.reason.as_str()), (Kind::Fail, "a b"));
    let pass = Pass::new("ok").observe("slow\nanswer");
    assert_eq!(pass.observations, ["slow answer"]);
    assert_eq!(Verdict::from(Kind::Error), Verdict::Error);
}
