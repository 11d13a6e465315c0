namespace GpuSharing.LoadGenerator;

/// <summary>One line of the report: a deployment and its priority class.</summary>
public sealed record LoadReportRow(
    string Deployment,
    string Priority,
    int Requests,
    int Completed,
    int Shed,
    int Failed,
    double? TtftP50Ms,
    double? TtftP99Ms,
    double? TpotP50Ms,
    double? TpotP99Ms,
    double? Attainment,
    double Goodput);
