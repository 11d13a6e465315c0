using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Catalog;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Unit.Tests.Planning;

public sealed class ModelSizerTests
{
    private const long GiB = 1L << 30;

    [Theory]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B")]
    [InlineData("llama-3.1-8b", "meta-llama/Llama-3.1-8B")]
    [InlineData("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B")]
    [InlineData("qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B")]
    [InlineData("mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1")]
    [InlineData("google/gemma-2-9b-it", "google/gemma-2-9b")]
    [InlineData("phi-3-mini", "microsoft/Phi-3-mini-4k-instruct")]
    [InlineData("meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B")]
    [InlineData("Qwen/Qwen2.5-72B-Instruct", "Qwen/Qwen2.5-72B")]
    public void Models_are_found_by_id_alias_and_instruct_variant(string model, string id)
    {
        Assert.Equal(id, ModelCatalog.Find(model)?.HuggingFaceId);
    }

    [Fact]
    public void The_catalog_covers_the_required_families()
    {
        var ids = ModelCatalog.Entries.Select(e => e.HuggingFaceId).ToList();

        foreach (var required in new[] { "Llama-3.2-1B", "Llama-3.2-3B", "Llama-3.1-8B", "Llama-3.1-70B", "Qwen2.5-0.5B", "Qwen2.5-72B", "Mistral-7B", "Mixtral-8x7B", "gemma-2", "Phi-3" })
        {
            Assert.Contains(ids, id => id.Contains(required, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void Llama_8B_bf16_is_weights_plus_KV_for_its_tokens_plus_the_engine_reserve()
    {
        var size = ModelSizer.Size(new DeploymentSpec("llama-3.1-8b", Precision.Bf16, 8192, 16, 1, Priority.Medium));

        Assert.Equal((long)Math.Ceiling(8.03e9 * 2), size.WeightsBytes);
        Assert.Equal(131_072, size.KvBytesPerToken); // 2 × 32 layers × 8 KV heads × 128 × 2 bytes
        Assert.Equal(131_072L * 8192 * 16, size.KvTargetBytes); // 16 GiB
        Assert.Equal(131_072L * 8192, size.KvMinBytes);
        Assert.Equal(5 * GiB, size.ActivationBytes);
        Assert.Equal(size.WeightsBytes + size.KvTargetBytes + size.ActivationBytes, size.TargetBytes);
    }

    [Theory]
    [InlineData(Precision.Fp32, 4.0)]
    [InlineData(Precision.Bf16, 2.0)]
    [InlineData(Precision.Fp16, 2.0)]
    [InlineData(Precision.Fp8, 1.0)]
    [InlineData(Precision.Int8, 1.0)]
    [InlineData(Precision.Int4, 0.5)]
    public void Weights_scale_with_the_precision(Precision precision, double bytesPerParameter)
    {
        var size = ModelSizer.Size(new DeploymentSpec("qwen2.5-7b", precision, 4096, 8, 1, Priority.Low));

        Assert.Equal((long)Math.Ceiling(7.62e9 * bytesPerParameter), size.WeightsBytes);
    }

    [Fact]
    public void Fp8_KV_halves_the_cache_and_fp32_doubles_it()
    {
        var bf16 = ModelSizer.Size(new DeploymentSpec("qwen2.5-7b", Precision.Bf16, 4096, 8, 1, Priority.Low));
        var fp8 = ModelSizer.Size(new DeploymentSpec("qwen2.5-7b", Precision.Fp8, 4096, 8, 1, Priority.Low, KvCacheFp8: true));
        var fp32 = ModelSizer.Size(new DeploymentSpec("qwen2.5-7b", Precision.Fp32, 4096, 8, 1, Priority.Low));

        Assert.Equal(57_344, bf16.KvBytesPerToken);
        Assert.Equal(bf16.KvBytesPerToken / 2, fp8.KvBytesPerToken);
        Assert.Equal(bf16.KvBytesPerToken * 2, fp32.KvBytesPerToken);
    }

    [Fact]
    public void A_declared_KV_budget_and_architecture_replace_the_catalog()
    {
        var spec = new DeploymentSpec("acme/private-model", Precision.Bf16, 4096, 8, 1, Priority.Low, Architecture: new ModelArchitecture(2, 20, 4, 64, 8192), KvCacheBytes: 3 * GiB);

        var size = ModelSizer.Size(spec);

        Assert.Equal("acme/private-model", size.ResolvedModel);
        Assert.Equal(4_000_000_000, size.WeightsBytes);
        Assert.Equal(3 * GiB, size.KvTargetBytes);
        Assert.Equal(2L * 20 * 4 * 64 * 2 * 4096, size.KvMinBytes);
    }

    [Fact]
    public void Defaults_cap_the_context_and_the_sequences()
    {
        var size = ModelSizer.Size(new DeploymentSpec("llama-3.1-8b", Precision.Bf16, null, null, 1, Priority.Low));

        Assert.Equal((8192, 16), (size.MaxModelLen, size.MaxNumSeqs));
    }

    [Fact]
    public void An_unknown_model_without_an_architecture_is_not_guessed()
    {
        var error = Assert.Throws<SizingException>(() => ModelSizer.Size(new DeploymentSpec("acme/mystery-13b", Precision.Bf16, 4096, 8, 1, Priority.Low)));

        Assert.False(error.IsInvalidInput);
        Assert.Equal("model", error.Field);
        Assert.Contains("not in the model catalog", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, null, null, null, "replicas")]
    [InlineData(65, null, null, null, "replicas")]
    [InlineData(1, -1, null, null, "maxModelLen")]
    [InlineData(1, null, 0, null, "maxNumSeqs")]
    [InlineData(1, null, null, -5L, "kvCacheBytes")]
    public void Bad_numbers_are_invalid_input(int replicas, int? maxModelLen, int? maxNumSeqs, long? kvCacheBytes, string field)
    {
        var error = Assert.Throws<SizingException>(() => ModelSizer.Size(new DeploymentSpec("qwen2.5-7b", Precision.Bf16, maxModelLen, maxNumSeqs, replicas, Priority.Low, KvCacheBytes: kvCacheBytes)));

        Assert.True(error.IsInvalidInput);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void A_context_beyond_the_models_is_refused()
    {
        var error = Assert.Throws<SizingException>(() => ModelSizer.Size(new DeploymentSpec("phi-3-mini", Precision.Bf16, 8192, 8, 1, Priority.Low)));

        Assert.Equal("maxModelLen", error.Field);
        Assert.Contains("4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replica_takes_its_full_KV_where_it_fits_and_shrinks_to_its_minimum_where_not()
    {
        var size = new ReplicaSize(10 * GiB, 20 * GiB, 2 * GiB, 5 * GiB);

        var roomy = size.Fit(40 * GiB);
        var tight = size.Fit(20 * GiB);
        var tooSmall = size.Fit(16 * GiB);
        var split = size.Fit(12 * GiB, span: 4);

        Assert.Equal((35 * GiB, 20 * GiB, true), (roomy!.BytesPerPartition, roomy.KvBytes, roomy.FullKv));
        Assert.Equal((20 * GiB, 5 * GiB, false), (tight!.BytesPerPartition, tight.KvBytes, tight.FullKv));
        Assert.Null(tooSmall);
        Assert.Equal((12 * GiB, 18 * GiB), (split!.BytesPerPartition, split.KvBytes)); // 2.5 weights + 5 activation per rank, 4 × 4.5 KV
    }
}
