"""Celery's autodiscovery reads `incidents.tasks`: the parts' task modules are imported here so
that their tasks register (their names, `incidents.tasks.…`, are those beat rows store).

    incidents.monitoring.tasks      spike_detection_run, sentiment_model_train_run,
                                    sentiment_models_retrain_run, sources_dispatch_run,
                                    source_poll_run, mention_import_run
    incidents.notifications.tasks   sla_check_run, delivery_send, deliveries_sweep_run,
                                    deferred_tasks_flush_run, escalation and Telegram tasks
    incidents.postmortems.tasks     postmortem_reminders_run
    incidents.analytics.tasks       brand_report_generate_run
"""

from incidents.analytics import tasks as analytics_tasks
from incidents.monitoring import tasks as monitoring_tasks
from incidents.notifications import tasks as notification_tasks
from incidents.postmortems import tasks as postmortem_tasks

__all__ = ["analytics_tasks", "monitoring_tasks", "notification_tasks", "postmortem_tasks"]
