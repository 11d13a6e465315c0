using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Placement;

namespace GpuSharing.Grains.Tests;

/// <summary>What-if plans run beside the decision path, never in it: a real placement does not wait for a plan.</summary>
public sealed class PlannerTests
{
    [Fact]
    public async Task A_deployment_is_placed_while_a_large_plan_is_still_computing_and_a_cancelled_plan_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:2"));
        var planner = cluster.Client.GetGrain<IPlannerGrain>(0);

        // A plan of the largest size the gateway admits: hundreds of deployments on a hypothetical fleet of thousands of GPUs.
        var large = new PlanRequest(
            [.. Enumerable.Range(0, 500).Select(i => new PlanDeployment("plan", $"d{i}", new DeploymentSpec(i % 3 == 0 ? "qwen2.5-32b" : "qwen2.5-7b", Precision.Bf16, 8192, 16, 8, (Priority)(i % 3))))],
            [new PlanFleetGroup("MI300X", 4096)]);
        var plan = planner.PlanAsync(large, ct);
        await Task.Delay(200, ct); // the plan is under way

        var applied = await cluster.Model("team-a/qwen").ApplyAsync(new DeploymentSpec("qwen2.5-7b", Precision.Bf16, 8192, 16, 1, Priority.Medium), 1, ct);
        var placedWhilePlanning = !plan.IsCompleted;
        var planned = await plan;

        Assert.Equal((ModelStatus.Placed, true), (applied.Model!.Status, placedWhilePlanning));
        Assert.Equal(500, planned.Deployments.Count);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var cancelled = planner.PlanAsync(large, cancel.Token);
        await Task.Delay(200, ct);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }
}
