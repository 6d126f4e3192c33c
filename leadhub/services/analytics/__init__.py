"""Manager analytics: dashboards and reports computed in SQL, shaped with pandas.

    filters      the shared filter bar → per-record SQL conditions, who may see what
    timebuckets  day/week/month buckets on the team's clock, on SQLite and PostgreSQL
    stats        medians in the database
    metrics      the dashboard: every chart and KPI tile, `dashboard()` computes them all
                 (record charts on a second connection beside the outreach charts, db.alongside)
    drilldown    the records behind a bar or segment, paged, with the chart's own conditions
    costs        channel costs per month (manager form) for ROI
    reports      the report builder and saved, team-shared reports
    forms        the web-form funnel's interface (no forms feature yet)
    rollups      outreach counted per local day (and month), kept right by triggers' marks
    attribution  contacts' and deals' copies of their outreach, leads' first touch (triggers)
    tasks        the periodic Huey task that recounts marked days in the background
    models       channel_cost, saved_report and the rollup tables

Filters: date range, reps, outreach types and channels, lead sources, campaigns and a lead
segment (services/segments.py); the last three reach other records through their lead.

Who sees what: managers and admins see the whole team; reps see their own numbers only
(their filter is narrowed to themselves; asking for another rep is PermissionDenied) and no
channel costs. Money is shown per currency and never summed across currencies.
"""
