"""Alerts from Prometheus Alertmanager and Grafana: payloads, the runbook they open, intake."""
