using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Planning.Placement;

namespace GpuSharing.Unit.Tests.Planning;

public sealed class DecisionCollectorTests
{
    private const long GiB = 1L << 30;

    private static ReplicaAssignment At(string node, long bytes) =>
        new("ns/a", 2, node, 2, 0, 1, ComputeMode.SPX, MemoryMode.NPS1, bytes, 192 * GiB, bytes - 20 * GiB, FullKv: true);

    // Seen in a property run (CsCheck seed d9RgrjFd3tf1): a replica shrunk in place, then taken off and placed back
    // twice at its new size, vanished from the result: every placement was cancelled by a set of removals.
    [Fact]
    public void A_replica_placed_removed_and_placed_again_at_one_place_ends_there()
    {
        var collector = new DecisionCollector();
        var original = At("node-a", 23 * GiB);
        var shrunk = At("node-a", 25 * GiB);
        collector.Removed.Add(original);
        collector.Assigned.Add(shrunk);
        collector.Removed.Add(shrunk);
        collector.Assigned.Add(shrunk);

        var result = collector.ToResult();

        Assert.Equal([shrunk], result.Assigned);
        Assert.Equal([original], result.Removed);
    }

    [Fact]
    public void A_replica_moved_away_and_back_to_exactly_where_it_was_did_not_move()
    {
        var collector = new DecisionCollector();
        var home = At("node-a", 23 * GiB);
        var elsewhere = At("node-b", 23 * GiB);
        collector.Removed.Add(home);
        collector.Assigned.Add(elsewhere);
        collector.Removed.Add(elsewhere);
        collector.Assigned.Add(home);

        var result = collector.ToResult();

        Assert.Empty(result.Assigned);
        Assert.Empty(result.Removed);
    }
}
