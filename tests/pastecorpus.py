"""What responders paste at 03:00, and the runbook each must find (issue 19 item 2).

Each entry: (the paste, the runbook `runbook.match` ranks first, its confidence). Used by
tests/test_match_corpus.py (runbook.match, in-process) and the browser test (the site's
normaliser must read every one the same way).
"""

from __future__ import annotations

HIGH, LOW, NONE = "high", "low", "none"

PASTES: list[tuple[str, str | None, str]] = [
    # `Code: message`, in any spelling
    ("SkuUnavailable: no gpus in eu-north-1", "allocation-failure", HIGH),
    ("sku_unavailable: no h100 left in the region", "allocation-failure", HIGH),
    ("SKU_UNAVAILABLE: requested sku is sold out", "allocation-failure", HIGH),
    ("TokenExpired: the token has expired", "token-failure", HIGH),
    ("token_invalid: signature does not verify", "token-failure", HIGH),
    ("InsufficientPermissions: role viewer cannot create clusters", "iam-permission-denied",
     HIGH),
    ("RateLimited: slow down", "rate-limiting", HIGH),
    ("DeadLetter: message moved after 5 attempts", "jobs-stuck", HIGH),
    ("WebhookDeliveryFailed: endpoint answered 500", "webhook-delivery-failure", HIGH),
    ("HeartbeatMissing: agent ag-7 silent for 300s", "agent-heartbeat-missing", HIGH),
    ("allocation_timeout: no node became ready in 600s", "allocation-failure", HIGH),
    ("node_unhealthy: gpu-node-12 failed its health check", "allocation-failure", HIGH),
    ("LLMProviderUnavailable: upstream model endpoint down", "llm-provider-outage", HIGH),
    ("oidc_state_mismatch: state cookie did not match", "oidc-login-failure", HIGH),
    ("ProjectNotFound: no project 'p-12'", "project-context-invalid", HIGH),
    ("BillingSyncFailed: usage export did not complete", "billing-worker-failure", HIGH),
    ("EscalationCapHit: INC-20261122-0214-k3fz muted", "escalation-cap-hit", HIGH),
    ("tuning_drift: runtime differs from the declared profile", "effective-tuning", HIGH),
    ("BackupStale: last backup 3 days ago", "backup-restore-test", HIGH),
    ("TerminalSessionFailed: websocket closed with 1006", "terminal-gateway", HIGH),
    # CLI and JSON errors
    ("Error: token_expired (correlation_id=7f3c2a10-5b8e-4d2f)", "token-failure", HIGH),
    ('{"error": {"code": "token_expired", "message": "The token has expired", '
     '"correlation_id": "7f3c2a10"}}', "token-failure", HIGH),
    ('{"error":"invalid_project_context","request_id":"req-81"}', "project-context-invalid",
     HIGH),
    ('{"code": "sku_unavailable", "detail": "no capacity"}', "allocation-failure", HIGH),
    ("error_code=token_missing correlation_id=7f3c2a10-5b8e", "token-failure", HIGH),
    ("level=error msg=\"request failed\" code=permission_denied user=u-9",
     "iam-permission-denied", HIGH),
    ("ts=2026-12-04T03:00:00Z level=error err=rate_limited retry_after=30",
     "rate-limiting", HIGH),
    # Kubernetes
    ("Back-off restarting failed container api in pod api-7d9f (CrashLoopBackOff)",
     "bad-deploy-rollback", HIGH),
    ("Warning  BackOff  kubelet  Back-off restarting failed container", "bad-deploy-rollback",
     HIGH),
    ("api-7d9f   0/1   CrashLoopBackOff   12   30m", "bad-deploy-rollback", HIGH),
    ("Failed to pull image \"registry/api:1.4\": ErrImagePull", "bad-deploy-rollback", HIGH),
    ("ImagePullBackOff", "bad-deploy-rollback", HIGH),
    ("error: deployment \"api\" exceeded its progress deadline", "bad-deploy-rollback", HIGH),
    ("Waiting for deployment \"api\" rollout to finish: 1 of 3 updated replicas are "
     "available...", "bad-deploy-rollback", HIGH),
    ("Error from server (Forbidden): pods is forbidden: User \"dev\" cannot list resource",
     "iam-permission-denied", HIGH),
    ("Error from server (ServiceUnavailable): the server is currently unable to handle the "
     "request", "api-degradation", HIGH),
    ("The node was low on resource: memory. Container api was using 2Gi. Evicted",
     "server-resource-exhaustion", HIGH),
    ("OOMKilled", "server-resource-exhaustion", HIGH),
    ("Last State: Terminated  Reason: OOMKilled  Exit Code: 137", "server-resource-exhaustion",
     HIGH),
    # kernel, OS
    ("Out of memory: Killed process 4242 (java) total-vm:8123456kB", "server-resource-exhaustion",
     HIGH),
    ("kernel: java invoked oom-killer: gfp_mask=0x100cca", "server-resource-exhaustion", HIGH),
    ("OSError: [Errno 28] No space left on device: '/var/lib/data'",
     "server-resource-exhaustion", HIGH),
    ("write /var/log/app.log: no space left on device", "server-resource-exhaustion", HIGH),
    # HTTP, curl, access logs
    ("curl: (22) The requested URL returned error: 503", "api-degradation", HIGH),
    ("curl: (22) The requested URL returned error: 429 Too Many Requests", "rate-limiting",
     HIGH),
    ('10.0.0.7 - - [04/Dec/2026:03:00:01 +0000] "GET /v1/clusters HTTP/1.1" 502 429 "-" '
     '"gpuaas-cli/1.4"', "api-degradation", HIGH),
    ('10.0.0.7 - - [04/Dec/2026:03:00:02 +0000] "POST /v1/jobs HTTP/2.0" 429 166 "-" "curl"',
     "rate-limiting", HIGH),
    ("HTTP/1.1 503 Service Unavailable", "api-degradation", HIGH),
    ("502 Bad Gateway", "api-degradation", HIGH),
    ("HTTP 502", "api-degradation", HIGH),
    ("status=504 upstream timed out", "api-degradation", HIGH),
    ('{"status": 429, "error": "Too Many Requests"}', "rate-limiting", HIGH),
    ("Service Unavailable", "api-degradation", HIGH),
    ("401 Unauthorized spike on /v1/agents", "authz-spike", HIGH),
    ("upstream_error: connection reset by peer", "api-degradation", HIGH),
    # symptoms in words: a guess, said to be one
    ("the deploy is stuck and pods keep restarting", "bad-deploy-rollback", LOW),
    ("customers cannot open a terminal", "terminal-gateway", LOW),
    ("invoices were not generated this morning", "billing-worker-failure", LOW),
    ("disk almost full on the database server", "server-resource-exhaustion", LOW),
    ("webhooks are not arriving at the customer endpoint", "webhook-delivery-failure", LOW),
    ("it is broken", "incident-process", LOW),  # the generic process, flagged as a guess
    # nothing to go on
    ("error: failed", None, NONE),
    ("error: failed", None, NONE),
    ("the and of to", None, NONE),
]
