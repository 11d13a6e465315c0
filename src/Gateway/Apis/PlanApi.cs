using System.Text.Json;
using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.Contracts;
using GpuSharing.Gateway.Http;
using GpuSharing.Gateway.Security;
using GpuSharing.Grains.Interfaces.Placement;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Apis;

/// <summary>
/// <c>POST /api/v1/plan</c>: what-if placement on the real fleet or a hypothetical one. Changes nothing. Plans run in a
/// stateless worker on a copy of the fleet, never in the placement grain that serves real placements; they are bounded
/// in size (<see cref="GatewayOptions.MaxPlanDeployments"/>, replicas, GPUs), time (<see cref="GatewayOptions.PlanTimeout"/>)
/// and concurrency (<see cref="GatewayOptions.MaxConcurrentPlans"/>, 429 beyond), and need the operator token when
/// one is configured.
/// </summary>
public static class PlanApi
{
    /// <summary>The rate-limiter policy that bounds how many plans run at once.</summary>
    public const string ConcurrencyPolicy = "plans";

    public static RouteHandlerBuilder MapPlanApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/plan", PlanAsync)
            .WithTags("Plan")
            .WithName("Plan")
            .WithSummary("What-if: { deployments: [ { namespace, name, …spec } ], fleet: [ { model: \"MI300X\", count: 40 } ] }. Without fleet, the real fleet as it is now.")
            .Accepts<PlanRequestBody>("application/json")
            .RequireAuthorization(AuthorizationPolicies.Operator)
            .RequireRateLimiting(ConcurrencyPolicy);

    public static async Task<Results<Ok<PlanResponse>, ValidationProblem, ProblemHttpResult>> PlanAsync(HttpRequest request, IClusterClient grains, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        using var body = await JsonBody.ReadAsync(request, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var root = new JsonFields(body.RootElement, string.Empty, errors, ["deployments", "fleet"]);
        var deployments = new List<PlanDeployment>();
        if (root.Element("deployments") is not { ValueKind: JsonValueKind.Array } items)
        {
            root.Error("deployments", "'deployments' is required: an array of deployments, each with namespace, name and its spec.");
        }
        else if (items.GetArrayLength() is 0 || items.GetArrayLength() > limits.MaxPlanDeployments)
        {
            root.Error("deployments", $"'deployments' must hold 1 to {limits.MaxPlanDeployments} deployments.");
        }
        else
        {
            var index = 0;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items.EnumerateArray())
            {
                var prefix = $"deployments[{index++}]";
                var fields = new JsonFields(item, prefix, [], [.. DeploymentSpecReader.Properties, "namespace", "name"]);
                var ns = fields.String("namespace", required: true, maxLength: 63);
                var name = fields.String("name", required: true, maxLength: 63);
                if (ns is not null && RouteValues.LabelError("namespace", ns) is { } nsError)
                {
                    errors[$"{prefix}.namespace"] = [nsError];
                }

                if (name is not null && RouteValues.LabelError("name", name) is { } nameError)
                {
                    errors[$"{prefix}.name"] = [nameError];
                }

                if (ns is not null && name is not null && !names.Add($"{ns}/{name}"))
                {
                    errors[$"{prefix}.name"] = [$"{ns}/{name} is listed twice."];
                }

                if (ns is null || name is null)
                {
                    errors[$"{prefix}"] = ["Each deployment needs 'namespace' and 'name'."];
                }

                if (DeploymentSpecReader.Read(item, errors, prefix, ["namespace", "name"], limits.LocalModelPathPrefixes) is { } spec && ns is not null && name is not null)
                {
                    deployments.Add(new PlanDeployment(ns, name, spec));
                }
            }
        }

        var fleet = ReadFleet(root, errors, limits.MaxPlanGpus);
        if (deployments.Sum(d => d.Spec.Replicas) > limits.MaxPlanReplicas)
        {
            root.Error("deployments", $"A plan places at most {limits.MaxPlanReplicas} replicas in all; these deployments ask for {deployments.Sum(d => d.Spec.Replicas)}.");
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors, "The plan request is not valid.");
        }

        PlanResult plan;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limits.PlanTimeout);
        try
        {
            plan = await grains.GetGrain<IPlannerGrain>(0).PlanAsync(new PlanRequest(deployments, fleet), deadline.Token);
        }
        catch (ArgumentException ex)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "unprocessable-plan", "The fleet cannot be planned on.", ex.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "plan-too-large", "The plan did not finish in time.", $"Planning stopped after {limits.PlanTimeout.TotalSeconds:0} s. Plan fewer deployments or a smaller fleet at a time.");
        }

        var failed = plan.Deployments.Where(d => d.Error is not null).ToList();
        if (failed.Count > 0)
        {
            var byField = failed.ToDictionary(d => $"deployments[{deployments.FindIndex(x => x.Namespace == d.Namespace && x.Name == d.Name)}].{d.ErrorField}", d => new[] { d.Error! });
            return failed.Any(d => d.InvalidInput)
                ? Problems.Invalid(byField, "Some deployments are not valid.")
                : Problems.Create(StatusCodes.Status422UnprocessableEntity, "unprocessable-deployment", "Some deployments cannot be sized.", string.Join(" ", failed.Select(f => $"{f.Namespace}/{f.Name}: {f.Error}")), new Dictionary<string, object?> { ["errors"] = byField });
        }

        return TypedResults.Ok(Responses.Plan(plan));
    }

    private static List<PlanFleetGroup>? ReadFleet(JsonFields root, Dictionary<string, string[]> errors, int maxGpus)
    {
        if (root.Element("fleet") is not { } fleet)
        {
            return null;
        }

        if (fleet.ValueKind != JsonValueKind.Array || fleet.GetArrayLength() == 0)
        {
            root.Error("fleet", "'fleet' must be a non-empty array of { model, count }.");
            return null;
        }

        var groups = new List<PlanFleetGroup>();
        var index = 0;
        foreach (var item in fleet.EnumerateArray())
        {
            var fields = new JsonFields(item, $"fleet[{index++}]", errors, ["model", "count"]);
            var model = fields.String("model", required: true, maxLength: 32);
            var count = fields.Integer("count", 1, maxGpus, required: true);
            if (model is not null && count is not null)
            {
                groups.Add(new PlanFleetGroup(model, (int)count));
            }
        }

        if (groups.Sum(g => (long)g.Count) > maxGpus)
        {
            root.Error("fleet", $"A hypothetical fleet has at most {maxGpus} GPUs.");
        }

        return groups;
    }
}
