using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Catalog;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.TestSupport;

/// <summary>
/// Seeded synthetic workloads of PLACEMENT.md §6: deployments drawn from the model catalog with precisions, context
/// lengths, concurrency, priorities and a Zipf (α = 1) popularity that decides replicas (top 2 % of ranks: 3, next
/// 8 %: 2, the rest: 1). Shorter contexts and fewer sequences are likelier, so that W1 fits its fleet.
/// </summary>
public static class Workloads
{
    private static readonly string[] SmallModels =
    [
        "Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-3B", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-14B",
        "meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-3B", "meta-llama/Llama-3.1-8B", "mistralai/Mistral-7B-v0.3",
        "google/gemma-2-2b", "google/gemma-2-9b", "microsoft/Phi-3-mini-4k-instruct", "microsoft/Phi-3-small-8k-instruct",
        "microsoft/Phi-3-medium-4k-instruct",
    ];

    private static readonly string[] LargeModels =
    [
        "Qwen/Qwen2.5-32B", "Qwen/Qwen2.5-72B", "meta-llama/Llama-3.1-70B", "google/gemma-2-27b", "mistralai/Mixtral-8x7B-v0.1",
    ];

    /// <summary>A named workload: its fleet, its deployments (specs and the engine's demands), and the seed that made it.</summary>
    public sealed record Workload(string Name, int Seed, FleetSnapshot Fleet, IReadOnlyList<(string Name, DeploymentSpec Spec)> Deployments, IReadOnlyList<PlacementDemand> Demands);

    /// <summary>W1: catalog models 0.5B–14B.</summary>
    public static Workload SmallModelsOn(GpuFamily family, int deployments, int gpus, int seed, string name = "W1") =>
        Generate(name, family, deployments, gpus, seed, largeShare: 0);

    /// <summary>W2: as W1 with 10 % of deployments from 32B–72B (tensor parallel allowed up to 8).</summary>
    public static Workload MixedOn(GpuFamily family, int deployments, int gpus, int seed, string name = "W2") =>
        Generate(name, family, deployments, gpus, seed, largeShare: 0.10);

    public static PlacementDemand Demand(string name, DeploymentSpec spec, SizingOptions? sizing = null)
    {
        var size = ModelSizer.Size(spec, sizing);
        return new PlacementDemand(name, spec.Replicas, spec.Priority, spec.EffectiveIsolation, size.Replica, size.MaxTensorParallel, spec.Node);
    }

    private static Workload Generate(string name, GpuFamily family, int count, int gpus, int seed, double largeShare)
    {
        var random = new Random(seed);
        var deployments = new List<(string, DeploymentSpec)>(count);
        for (var i = 0; i < count; i++)
        {
            var large = random.NextDouble() < largeShare;
            var model = large ? LargeModels[random.Next(LargeModels.Length)] : SmallModels[random.Next(SmallModels.Length)];
            var context = ModelCatalog.Find(model)!.Architecture.DefaultContext;
            var precision = Pick(random, [(Precision.Bf16, 0.4), (Precision.Fp8, 0.4), (Precision.Int4, 0.2)]);
            var maxModelLen = Math.Min(context, Pick(random, [(4096, 0.7), (8192, 0.2), (16384, 0.08), (32768, 0.02)]));
            var maxNumSeqs = Pick(random, [(8, 0.7), (16, 0.2), (32, 0.08), (64, 0.02)]);
            var priority = Pick(random, [(Priority.High, 0.1), (Priority.Medium, 0.3), (Priority.Low, 0.6)]);
            var rank = (i * 7919 % count) + 1; // a fixed permutation of popularity ranks
            var replicas = rank <= count * 0.02 ? 3 : rank <= count * 0.10 ? 2 : 1;
            var spec = new DeploymentSpec(model, precision, maxModelLen, maxNumSeqs, replicas, priority, MaxTensorParallel: large ? 8 : 1, KvCacheFp8: precision != Precision.Bf16);
            deployments.Add((string.Create(CultureInfo.InvariantCulture, $"team-{i % 50:D2}/model-{i:D5}"), spec));
        }

        var demands = deployments.Select(d => Demand(d.Item1, d.Item2)).ToList();
        return new Workload(name, seed, FleetSnapshot.Uniform(family, gpus), deployments, demands);
    }

    private static T Pick<T>(Random random, (T Value, double Weight)[] choices)
    {
        var roll = random.NextDouble() * choices.Sum(c => c.Weight);
        foreach (var (value, weight) in choices)
        {
            roll -= weight;
            if (roll <= 0)
            {
                return value;
            }
        }

        return choices[^1].Value;
    }
}
