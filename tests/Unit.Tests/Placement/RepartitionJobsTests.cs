using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Placement;
using GpuSharing.Grains.Planning.Placement;

namespace GpuSharing.Unit.Tests.Placement;

/// <summary>The repartition jobs' rules without a cluster: one node-wide change per node at a time, a deadline, what an answer means.</summary>
public sealed class RepartitionJobsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    [Fact]
    public void A_GPU_already_in_the_target_layout_completes_at_once_and_one_that_is_not_is_requested()
    {
        var jobs = new RepartitionJobs(Timeout);
        var job = jobs.For(Assignment("node-a", 0, ComputeMode.CPX), T0);

        Assert.Equal(RepartitionJobStep.Request, jobs.Next(job, Gpu(0, ComputeMode.SPX), T0).Step);
        Assert.Equal(RepartitionJobStep.Complete, jobs.Next(job, Gpu(0, ComputeMode.CPX), T0).Step);
        Assert.Equal(RepartitionJobStep.Wait, jobs.Next(job, Gpu(0, ComputeMode.SPX) with { State = GpuState.Unreachable }, T0).Step);
    }

    [Fact]
    public void Replicas_for_one_GPU_share_one_job_and_another_GPU_gets_its_own()
    {
        var jobs = new RepartitionJobs(Timeout);

        var first = jobs.For(Assignment("node-a", 0, ComputeMode.CPX), T0);
        var again = jobs.For(Assignment("node-a", 0, ComputeMode.CPX) with { Replica = 1 }, T0.AddSeconds(5));
        var other = jobs.For(Assignment("node-a", 1, ComputeMode.CPX), T0);

        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.Equal((2, T0), (jobs.Count, first.CreatedAt));
    }

    [Fact]
    public void A_node_wide_change_under_way_holds_back_every_other_job_of_its_node_only()
    {
        var jobs = new RepartitionJobs(Timeout);
        var nodeWide = jobs.For(Assignment("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4), T0);
        var sameNode = jobs.For(Assignment("node-a", 1, ComputeMode.DPX), T0);
        var otherNode = jobs.For(Assignment("node-b", 0, ComputeMode.DPX), T0);

        Assert.Equal(RepartitionJobStep.Wait, jobs.Accept(nodeWide, PartitioningDecision.Accepted(Operation("op-1", OperationScope.Node))).Step);

        Assert.Equal((true, "op-1"), (nodeWide.NodeWide, nodeWide.OperationId));
        Assert.Equal(RepartitionJobStep.Wait, jobs.Next(sameNode, Gpu(1, ComputeMode.SPX), T0).Step);
        Assert.Equal(RepartitionJobStep.Request, jobs.Next(otherNode, Gpu(0, ComputeMode.SPX, "node-b"), T0).Step);
    }

    [Fact]
    public void A_succeeded_node_wide_change_leaves_the_GPU_own_compute_mode_for_the_next_round()
    {
        var jobs = new RepartitionJobs(Timeout);
        var job = jobs.For(Assignment("node-a", 0, ComputeMode.CPX, MemoryMode.NPS4), T0);
        jobs.Accept(job, PartitioningDecision.Accepted(Operation("op-1", OperationScope.Node)));
        var memoryDone = Gpu(0, ComputeMode.SPX) with { MemoryMode = MemoryMode.NPS4, Operation = Operation("op-1", OperationScope.Node, OperationStatus.Succeeded) };

        var step = jobs.Next(job, memoryDone, T0.AddMinutes(1)).Step;

        Assert.Equal(RepartitionJobStep.Wait, step);
        Assert.Null(job.OperationId);
        Assert.Equal(RepartitionJobStep.Request, jobs.Next(job, memoryDone, T0.AddMinutes(1)).Step);
    }

    [Theory]
    [InlineData(OperationStatus.RolledBack)]
    [InlineData(OperationStatus.Failed)]
    [InlineData(OperationStatus.Degraded)]
    public void An_operation_that_did_not_succeed_fails_the_job_with_its_status(OperationStatus status)
    {
        var jobs = new RepartitionJobs(Timeout);
        var job = jobs.For(Assignment("node-a", 0, ComputeMode.CPX), T0);
        jobs.Accept(job, PartitioningDecision.Accepted(Operation("op-1", OperationScope.Gpu)));

        var running = jobs.Next(job, Gpu(0, ComputeMode.SPX) with { Operation = Operation("op-1", OperationScope.Gpu) }, T0);
        var ended = jobs.Next(job, Gpu(0, ComputeMode.SPX) with { Operation = Operation("op-1", OperationScope.Gpu, status) }, T0);

        Assert.Equal(RepartitionJobStep.Wait, running.Step);
        Assert.Equal(RepartitionJobStep.Fail, ended.Step);
        Assert.StartsWith($"the repartition {status}", ended.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_fails_when_its_GPU_is_gone_or_its_time_is_up()
    {
        var jobs = new RepartitionJobs(Timeout);
        var job = jobs.For(Assignment("node-a", 0, ComputeMode.CPX), T0);

        Assert.Equal((RepartitionJobStep.Fail, "the GPU disappeared"), jobs.Next(job, null, T0));
        Assert.Equal((RepartitionJobStep.Fail, "the repartition did not finish in time"), jobs.Next(job, Gpu(0, ComputeMode.SPX), T0 + Timeout + TimeSpan.FromSeconds(1)));
        Assert.Equal(RepartitionJobStep.Request, jobs.Next(job, Gpu(0, ComputeMode.SPX), T0 + Timeout).Step);
    }

    [Fact]
    public void Busy_because_of_another_operation_waits_and_busy_for_any_other_reason_fails()
    {
        var jobs = new RepartitionJobs(Timeout);
        var job = jobs.For(Assignment("node-a", 0, ComputeMode.CPX), T0);

        var operation = jobs.Accept(job, PartitioningDecision.Rejected(PartitioningOutcome.Busy, "busy", [new Blocker(BlockerKind.Operation, "op-9 runs")]));
        var process = jobs.Accept(job, PartitioningDecision.Rejected(PartitioningOutcome.Busy, "a process", [new Blocker(BlockerKind.Process, "GPU 0: process 1 (vllm)")]));
        var invalid = jobs.Accept(job, PartitioningDecision.Rejected(PartitioningOutcome.InvalidCombination, "no such profile"));

        Assert.Equal(RepartitionJobStep.Wait, operation.Step);
        Assert.Equal((RepartitionJobStep.Fail, "a process"), process);
        Assert.Equal((RepartitionJobStep.Fail, "no such profile"), invalid);
        Assert.Null(job.OperationId);
    }

    private static ReplicaAssignment Assignment(string node, int gpu, ComputeMode compute, MemoryMode memory = MemoryMode.NPS1) =>
        new("team-a/model", 0, node, gpu, 0, 1, compute, memory, 1L << 30, 24L << 30, 1L << 29, true, Priority.Medium);

    private static GpuView Gpu(int index, ComputeMode compute, string node = "node-a") =>
        new(node, index, "MI300X", "AMD Instinct MI300X", null, null, 192L << 30, 304, compute, MemoryMode.NPS1, GpuState.Ready, null, [], GpuCapabilities.None, null, T0, 1, "silo");

    private static PartitioningOperation Operation(string id, OperationScope scope, OperationStatus status = OperationStatus.Running) =>
        PartitioningOperation.Start(id, "node-a", scope, 0, [0], new PartitionLayout(ComputeMode.CPX, MemoryMode.NPS4), null, T0, "draining") with { Status = status };
}
