using GpuSharing.InferenceSimulator;

namespace GpuSharing.Unit.Tests.Serving;

/// <summary>The simulator's timing model against hand-computed cases (the constants the README states).</summary>
public sealed class TokenTimingTests
{
    // 10 GB of weights on a CPX partition of an MI300X (1/8 of 5.3 TB/s at 60 % efficiency = 397.5 GB/s).
    private static readonly SimulatedModel TenGigabytes = new("team-a/m", 10_000_000_000, 7, false, AcceleratorSpec.Mi300X, 0.125, 8, "n/0/0");

    [Fact]
    public void A_decode_step_reads_the_weights_at_the_partitions_share_of_the_bandwidth()
    {
        Assert.Equal(26.157, TokenTiming.Step(TenGigabytes, 1).TotalMilliseconds, 2);       // 10e9 / 397.5e9 s + 1 ms
        Assert.Equal(31.189, TokenTiming.Step(TenGigabytes, 11).TotalMilliseconds, 2);      // ten more sequences: × 1.2
    }

    [Fact]
    public void A_token_waits_for_one_step_of_every_replica_active_on_the_partition()
    {
        var neighbour = TenGigabytes with { ServedModel = "team-b/m", WeightsBytes = 5_000_000_000 };

        var alone = TokenTiming.InterToken([(TenGigabytes, 1)]);
        var shared = TokenTiming.InterToken([(TenGigabytes, 1), (neighbour, 1)]);
        var idleNeighbour = TokenTiming.InterToken([(TenGigabytes, 1), (neighbour, 0)]);

        Assert.Equal(26.157 + 13.579, shared.TotalMilliseconds, 2);
        Assert.Equal(alone, idleNeighbour);
    }

    [Fact]
    public void Prefill_is_two_FLOPs_per_parameter_per_prompt_token_shared_with_active_neighbours()
    {
        // 1,000 tokens × 2 × 7e9 FLOPs at 1/8 of 1.307 PFLOP/s × 40 % = 65.35 TFLOP/s → 214.23 ms, + 1 ms.
        Assert.Equal(215.23, TokenTiming.Prefill(TenGigabytes, 1000, 0).TotalMilliseconds, 1);
        Assert.Equal(429.46, TokenTiming.Prefill(TenGigabytes, 1000, 1).TotalMilliseconds, 1);
        Assert.Equal(108.12, TokenTiming.Prefill(TenGigabytes with { LowPrecision = true }, 1000, 0).TotalMilliseconds, 1);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("abcd", 1)]
    [InlineData("abcde", 2)]
    [InlineData("Hello, how are you today?", 7)]
    public void About_four_characters_make_a_token(string text, int tokens) => Assert.Equal(tokens, TokenTiming.CountTokens(text));

    [Fact]
    public void Co_located_replicas_see_each_others_running_sequences_until_they_end()
    {
        var load = new PartitionLoad();
        var other = TenGigabytes with { ServedModel = "team-b/m" };
        var elsewhere = TenGigabytes with { ServedModel = "team-c/m", Partition = "n/1/0" };

        using (load.Run(TenGigabytes))
        using (load.Run(TenGigabytes))
        using (load.Run(other))
        using (load.Run(elsewhere))
        {
            Assert.Equal(2, load.Running(TenGigabytes));
            Assert.Equal([("team-a/m", 2), ("team-b/m", 1)], load.On("n/0/0").Select(a => (a.Model.ServedModel, a.Running)).Order());
        }

        Assert.All(load.On("n/0/0"), a => Assert.Equal(0, a.Running));
    }
}
