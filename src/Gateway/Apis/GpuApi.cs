using GpuSharing.Gateway.Contracts;
using GpuSharing.Gateway.Http;
using GpuSharing.Gateway.Security;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GpuSharing.Gateway.Apis;

/// <summary><c>/api/v1/gpus</c>: list GPUs, read one, repartition one and follow the operation.</summary>
public static class GpuApi
{
    public static RouteGroupBuilder MapGpuApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/gpus").WithTags("GPUs");
        group.MapGet("/", ListGpusAsync)
            .WithName("ListGpus")
            .WithSummary("Every GPU of every node, with its modes, state and partitions.");
        group.MapGet("/{node}/{index}", GetGpuAsync)
            .WithName("GetGpu")
            .WithSummary("One GPU.");
        group.MapGet("/{node}/{index}/partitioning", GetPartitioningAsync)
            .WithName("GetPartitioning")
            .WithSummary("The GPU's current or latest reconfiguration, step by step.");
        group.MapPut("/{node}/{index}/partitioning", PutPartitioningAsync)
            .WithName("PutPartitioning")
            .WithSummary("Repartition a GPU: { computeMode, memoryMode }. A new memory mode applies to every GPU of the node.")
            .Accepts<LayoutResponse>("application/json")
            .RequireAuthorization(AuthorizationPolicies.Operator);
        return group;
    }

    public static async Task<Ok<GpuResponse[]>> ListGpusAsync(IClusterClient grains, CancellationToken cancellationToken)
    {
        var nodes = await NodesAsync(grains, cancellationToken);
        return TypedResults.Ok(nodes.SelectMany(n => n.Gpus).Select(Responses.Gpu).ToArray());
    }

    public static async Task<Results<Ok<GpuResponse>, ValidationProblem, ProblemHttpResult>> GetGpuAsync(string node, string index, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Validate(node, index, out var gpuIndex) is { } invalid)
        {
            return invalid;
        }

        return await FindAsync(grains, node, gpuIndex, cancellationToken) is { } gpu
            ? TypedResults.Ok(Responses.Gpu(gpu))
            : NotFound(node, gpuIndex);
    }

    public static async Task<Results<Ok<OperationResponse>, ValidationProblem, ProblemHttpResult>> GetPartitioningAsync(string node, string index, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Validate(node, index, out var gpuIndex) is { } invalid)
        {
            return invalid;
        }

        if (await FindAsync(grains, node, gpuIndex, cancellationToken) is not { } gpu)
        {
            return NotFound(node, gpuIndex);
        }

        var latest = await grains.GetGrain<INodeGrain>(node).GetOperationAsync(gpuIndex).WaitAsync(cancellationToken);
        return latest is null
            ? Problems.Create(StatusCodes.Status404NotFound, "no-operation", "No reconfiguration yet.", $"GPU {node}/{gpuIndex} has not been repartitioned.")
            : TypedResults.Ok(Responses.Operation(latest));
    }

    public static async Task<Results<Accepted<OperationResponse>, ValidationProblem, ProblemHttpResult>> PutPartitioningAsync(
        string node,
        string index,
        HttpRequest request,
        IClusterClient grains,
        CancellationToken cancellationToken)
    {
        if (Validate(node, index, out var gpuIndex) is { } invalid)
        {
            return invalid;
        }

        using var body = await JsonBody.ReadAsync(request, cancellationToken);
        if (PartitioningRequestReader.Read(body.RootElement, out var errors) is not { } partitioning)
        {
            return Problems.Invalid(errors, "The partitioning request is not valid.");
        }

        if (await FindAsync(grains, node, gpuIndex, cancellationToken) is null)
        {
            return NotFound(node, gpuIndex);
        }

        var decision = await grains.GetGrain<INodeGrain>(node).RequestPartitioningAsync(gpuIndex, partitioning, cancellationToken);
        var reason = decision.Reason ?? string.Empty;
        return decision.Outcome switch
        {
            PartitioningOutcome.Accepted => TypedResults.Accepted($"/api/v1/gpus/{node}/{gpuIndex}/partitioning", Responses.Operation(decision.Operation!)),
            PartitioningOutcome.InvalidCombination => Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid-combination", "The GPU does not support this combination.", reason, new Dictionary<string, object?>
            {
                ["source"] = decision.ReasonSource?.ToString().ToLowerInvariant(),
                ["computeMode"] = partitioning.ComputeMode.ToString(),
                ["memoryMode"] = partitioning.MemoryMode?.ToString(),
            }),
            PartitioningOutcome.Busy => Problems.Create(StatusCodes.Status409Conflict, "busy", "The GPU is in use.", reason, new Dictionary<string, object?> { ["blockers"] = decision.Blockers.Select(b => b.Text).ToArray() }),
            PartitioningOutcome.NotFound => NotFound(node, gpuIndex),
            PartitioningOutcome.Unreachable => Problems.Create(StatusCodes.Status503ServiceUnavailable, "node-unreachable", "The node is unreachable.", reason),
            _ => Problems.Create(StatusCodes.Status422UnprocessableEntity, "unsupported", "This GPU cannot be partitioned.", reason),
        };
    }

    internal static async Task<IReadOnlyList<NodeView>> NodesAsync(IClusterClient grains, CancellationToken cancellationToken)
    {
        var names = await grains.GetGrain<IFleetGrain>(Pools.Default).GetNodesAsync().WaitAsync(cancellationToken);
        return await Task.WhenAll(names.Select(n => grains.GetGrain<INodeGrain>(n).GetAsync().WaitAsync(cancellationToken)));
    }

    // Only nodes the fleet knows are asked, so that a typo never activates a grain for a node that does not exist.
    internal static async Task<bool> NodeExistsAsync(IClusterClient grains, string node, CancellationToken cancellationToken) =>
        (await grains.GetGrain<IFleetGrain>(Pools.Default).GetNodesAsync().WaitAsync(cancellationToken)).Contains(node, StringComparer.Ordinal);

    private static async Task<GpuView?> FindAsync(IClusterClient grains, string node, int index, CancellationToken cancellationToken) =>
        await NodeExistsAsync(grains, node, cancellationToken)
            ? await grains.GetGrain<INodeGrain>(node).GetGpuAsync(index).WaitAsync(cancellationToken)
            : null;

    private static ValidationProblem? Validate(string node, string index, out int gpuIndex)
    {
        var errors = new Dictionary<string, string[]>();
        if (RouteValues.NodeError(node) is { } nodeError)
        {
            errors["node"] = [nodeError];
        }

        if (RouteValues.IndexError(index, out gpuIndex) is { } indexError)
        {
            errors["index"] = [indexError];
        }

        return errors.Count == 0 ? null : Problems.Invalid(errors, string.Join(" ", errors.Values.SelectMany(e => e)));
    }

    private static ProblemHttpResult NotFound(string node, int index) =>
        Problems.Create(StatusCodes.Status404NotFound, "gpu-not-found", "No such GPU.", $"There is no GPU {index} on node '{node}'.");
}
