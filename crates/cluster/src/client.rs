//! The client side: a DataFusion session whose queries run on a Ballista cluster.

use ballista::prelude::SessionContextExt;
use ballista_core::object_store::state_with_s3_support;
use datafusion::prelude::SessionContext;

use crate::ClusterError;

/// A session on the cluster whose scheduler is at `url` (`df://HOST:PORT`). Plans built on it
/// run on the cluster's executors; `hydrascope_engine::scan_with` registers the functions
/// they call. Object stores (`s3://`) are reached with each process's `AWS_*` environment.
pub async fn connect(url: &str) -> Result<SessionContext, ClusterError> {
    let connect_error = |source| ClusterError::Connect {
        url: url.to_owned(),
        source,
    };
    let state = state_with_s3_support().map_err(connect_error)?;
    SessionContext::remote_with_state(url, state)
        .await
        .map_err(connect_error)
}
