using GpuSharing.Gateway.Contracts;
using GpuSharing.Gateway.Http;
using GpuSharing.Grains.Interfaces.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GpuSharing.Gateway.Apis;

/// <summary><c>/api/v1/nodes</c>: node-wide state (reachability, memory mode, node-wide operations).</summary>
public static class NodeApi
{
    public static RouteGroupBuilder MapNodeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/nodes").WithTags("Nodes");
        group.MapGet("/", ListNodesAsync).WithName("ListNodes").WithSummary("Every node with its GPUs.");
        group.MapGet("/{node}", GetNodeAsync).WithName("GetNode").WithSummary("One node with its GPUs and its node-wide operation.");
        return group;
    }

    public static async Task<Ok<NodeResponse[]>> ListNodesAsync(IClusterClient grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await GpuApi.NodesAsync(grains, cancellationToken)).Select(Responses.Node).ToArray());

    public static async Task<Results<Ok<NodeResponse>, ValidationProblem, ProblemHttpResult>> GetNodeAsync(string node, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (RouteValues.NodeError(node) is { } error)
        {
            return Problems.Invalid("node", error);
        }

        if (!await GpuApi.NodeExistsAsync(grains, node, cancellationToken))
        {
            return Problems.Create(StatusCodes.Status404NotFound, "node-not-found", "No such node.", $"No node '{node}' has registered.");
        }

        return TypedResults.Ok(Responses.Node(await grains.GetGrain<INodeGrain>(node).GetAsync().WaitAsync(cancellationToken)));
    }
}
