//! The client side: a DataFusion session whose queries run on a Ballista cluster.

use ballista::prelude::SessionContextExt;
use datafusion::prelude::SessionContext;

use crate::ClusterError;

/// A session on the cluster whose scheduler is at `url` (`df://HOST:PORT`). Plans built on it
/// run on the cluster's executors; `hydrascope_engine::scan_with` registers the functions
/// they call.
pub async fn connect(url: &str) -> Result<SessionContext, ClusterError> {
    SessionContext::remote(url)
        .await
        .map_err(|source| ClusterError::Connect {
            url: url.to_owned(),
            source,
        })
}
