using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.Serving;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Tests.Serving;

/// <summary>The route table across refreshes of the endpoint directory: which replicas stay the same target.</summary>
public sealed class ServingRoutesTests
{
    private static readonly ReplicaEndpoint Endpoint = new("team-a/qwen", 0, "node-1", "http://10.0.0.1:8000", "qwen", Priority.Medium, 8, "node");

    [Fact]
    public void A_replica_reported_with_new_details_at_the_same_URL_keeps_its_health_its_load_and_its_count_of_requests_sent()
    {
        var routes = new ServingRoutes(TimeProvider.System, Options.Create(new ServingOptions()));
        routes.Update(new EndpointDirectoryView(1, [Endpoint]));
        var target = Assert.Single(routes.Targets);
        target.Succeeded();
        using var inFlight = target.Carry();
        target.Carry().Dispose();

        routes.Update(new EndpointDirectoryView(2, [Endpoint with { Priority = Priority.High, MaxNumSeqs = 16 }]));
        var refreshed = Assert.Single(routes.Targets);
        var capacity = routes.Find("team-a/qwen").Route!.Capacity;
        routes.Update(new EndpointDirectoryView(3, [Endpoint with { Url = "http://10.0.0.2:8000" }]));
        var moved = Assert.Single(routes.Targets);

        Assert.Same(target, refreshed);
        Assert.Equal((Priority.High, 16), (refreshed.Endpoint.Priority, refreshed.Endpoint.MaxNumSeqs));
        Assert.Equal((true, 1, 2L), (refreshed.Healthy, refreshed.Outstanding, refreshed.Sent));
        Assert.Equal(16, capacity); // admission sized from the new details
        Assert.NotSame(target, moved); // another server: counted afresh, and not routable until it answers
        Assert.Equal((false, 0, 0L), (moved.Healthy, moved.Outstanding, moved.Sent));
    }
}
