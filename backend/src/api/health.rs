//! `GET /healthz`: readiness plus the mode, so a client sees mocked vs live at once.

use super::AppState;
use axum::extract::State;
use axum::Json;
use codex_contract::Health;

pub async fn healthz(State(st): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        mode: st.cfg.mode(),
    })
}
