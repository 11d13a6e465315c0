using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;

namespace GpuSharing.Grains.Tests;

/// <summary>
/// An apply whose call to the placement grain is lost has stored its spec: an apply repeated finds the same spec and
/// changes nothing, so the deployment must ask again on its own — or it would wait forever, or run short of replicas.
/// </summary>
public sealed class LostPlacementCallTests
{
    private static readonly DeploymentSpec Qwen7B = new("qwen2.5-7b", Precision.Bf16, 8192, 16, 1, Priority.Medium);

    [Fact]
    public async Task A_deployment_whose_placement_call_was_lost_is_placed_without_another_apply_and_a_lost_resize_too()
    {
        var ct = TestContext.Current.CancellationToken;
        var lost = new LostPlacementCalls();
        await using var cluster = await HardwareCluster.StartAsync(services => services.AddSingleton<IIncomingGrainCallFilter>(lost).Configure<PlacementOptions>(o => o.RetryInterval = TimeSpan.FromSeconds(2)), ("node-a", "MI300X:2"));
        var resized = cluster.Model("team-a/resized");
        await resized.ApplyAsync(Qwen7B, 1, ct);
        await cluster.WaitForModelAsync("team-a/resized", v => v.Status == ModelStatus.Placed && v.Placements.Count == 1);

        lost.LoseNext("team-a/new");
        lost.LoseNext("team-a/resized");
        var newFailure = await Assert.ThrowsAsync<TimeoutException>(() => cluster.Model("team-a/new").ApplyAsync(Qwen7B, 1, ct));
        var resizeFailure = await Assert.ThrowsAsync<TimeoutException>(() => resized.ApplyAsync(Qwen7B with { Replicas = 2 }, 2, ct));

        // Nobody applies again: within the retry interval (2 s here) the grains ask the placement grain themselves.
        var placedNew = await cluster.WaitForModelAsync("team-a/new", v => v.Status == ModelStatus.Placed, TimeSpan.FromSeconds(20));
        var placedResized = await cluster.WaitForModelAsync("team-a/resized", v => v.Status == ModelStatus.Placed && v.Placements.Count == 2, TimeSpan.FromSeconds(20));

        Assert.Equal(2, lost.Lost);
        Assert.StartsWith("FAKE:", newFailure.Message, StringComparison.Ordinal);
        Assert.StartsWith("FAKE:", resizeFailure.Message, StringComparison.Ordinal);
        Assert.Equal((1, 1L), (placedNew.Placements.Count, placedNew.Generation));
        Assert.Equal([0, 1], placedResized.Placements.Select(p => p.Replica));
        Assert.NotEqual(placedResized.Placements[0].Gpu, placedResized.Placements[1].Gpu); // replicas apart, as always
    }
}
