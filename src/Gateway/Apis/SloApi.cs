using GpuSharing.Gateway.Http;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GpuSharing.Gateway.Apis;

/// <summary>
/// <c>GET /api/v1/slo/{namespace}/{name}</c>: a deployment's targets, attainment and burn rate per window (5 m, 1 h,
/// 24 h), error budget and burn state, from its SLO grain. <c>GET /api/v1/slo</c>: every deployment's, worst first
/// (fast burn, slow burn, ok, no data, no SLO; then the lowest 1-hour attainment). <c>…/history</c>: minute by minute,
/// for the deployment page's chart.
/// </summary>
public static class SloApi
{
    private const int Concurrency = 16;

    public static RouteGroupBuilder MapSloApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/slo").WithTags("SLO");
        group.MapGet("/", ListAsync).WithName("ListSlos").WithSummary("Every deployment's SLO, worst first.");
        group.MapGet("/{namespace}/{name}", GetAsync).WithName("GetSlo").WithSummary("A deployment's SLO: targets, attainment and burn rate per window, error budget, burn state.");
        group.MapGet("/{namespace}/{name}/history", GetHistoryAsync).WithName("GetSloHistory").WithSummary("A deployment's SLO minute by minute: requests, good, attainment, 5-minute burn rate (?minutes=1…1440, default 60).");
        return group;
    }

    public static async Task<Results<Ok<SloView>, ValidationProblem, ProblemHttpResult>> GetAsync(string @namespace, string name, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Problems.InvalidDeploymentKey(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        var key = $"{@namespace}/{name}";
        if (await grains.GetGrain<IModelGrain>(key).GetAsync().WaitAsync(cancellationToken) is null)
        {
            return Problems.DeploymentNotFound(key);
        }

        return TypedResults.Ok(await grains.GetGrain<ISloGrain>(key).GetAsync(cancellationToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<SloHistoryPoint>>, ValidationProblem, ProblemHttpResult>> GetHistoryAsync(string @namespace, string name, string? minutes, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Problems.InvalidDeploymentKey(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        var span = 60;
        if (minutes is not null && (!int.TryParse(minutes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out span) || span is < 1 or > 1440))
        {
            return Problems.Invalid("minutes", $"minutes must be a whole number from 1 to 1440, not '{minutes}'.");
        }

        var key = $"{@namespace}/{name}";
        if (await grains.GetGrain<IModelGrain>(key).GetAsync().WaitAsync(cancellationToken) is null)
        {
            return Problems.DeploymentNotFound(key);
        }

        return TypedResults.Ok(await grains.GetGrain<ISloGrain>(key).GetHistoryAsync(span, cancellationToken));
    }

    public static async Task<Ok<SloView[]>> ListAsync(IClusterClient grains, CancellationToken cancellationToken)
    {
        var deployments = await grains.GetGrain<IModelIndexGrain>(Pools.Default).ListAsync().WaitAsync(cancellationToken);
        var views = new SloView[deployments.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, deployments.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (i, ct) => views[i] = await grains.GetGrain<ISloGrain>(deployments[i]).GetAsync(ct));
        return TypedResults.Ok(views.OrderBy(Severity).ThenBy(v => v.Windows.FirstOrDefault(w => w.Window == "1h")?.Attainment ?? 1).ThenBy(v => v.Deployment, StringComparer.Ordinal).ToArray());
    }

    private static int Severity(SloView view) => view.Burn switch
    {
        "fast" => 0,
        "slow" => 1,
        "ok" => 2,
        "no-data" => 3,
        _ => 4,
    };
}
