using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Unit.Tests.Planning;

/// <summary>A model id becomes an argument of the model server: only ids, catalog names and allowed local paths pass.</summary>
public sealed class ModelIdsTests
{
    [Theory]
    [InlineData("qwen2.5-7b")]
    [InlineData("Qwen/Qwen2.5-7B")]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("microsoft/Phi-3-mini-4k-instruct")]
    [InlineData("google/gemma-2_9b.v1")]
    public void Hugging_Face_ids_and_catalog_names_pass(string model) => Assert.Null(ModelIds.Error(model));

    [Theory]
    [InlineData("-x")]
    [InlineData("--trust-remote-code")]
    [InlineData("Qwen/-Qwen")]
    [InlineData("qwen 7b")]
    [InlineData("qwen\t7b")]
    [InlineData("qwen\u00007b")]
    [InlineData("qwen\n--trust-remote-code")]
    [InlineData("Qwen/../etc")]
    [InlineData("a/b/c")]
    [InlineData(".hidden")]
    [InlineData("hf://Qwen/Qwen2.5-7B")]
    [InlineData("")]
    public void Flags_spaces_control_characters_and_traversals_are_refused(string model) => Assert.NotNull(ModelIds.Error(model));

    [Fact]
    public void A_local_path_passes_only_under_an_allowed_prefix_and_without_dot_segments()
    {
        Assert.NotNull(ModelIds.Error("/models/qwen"));
        Assert.Null(ModelIds.Error("/models/qwen", ["/models"]));
        Assert.Null(ModelIds.Error("/models/team-a/qwen-7b", ["/models/"]));
        Assert.NotNull(ModelIds.Error("/models/../etc/passwd", ["/models"]));
        Assert.NotNull(ModelIds.Error("/modelsx/qwen", ["/models"]));
        Assert.NotNull(ModelIds.Error("/models/q wen", ["/models"]));
        Assert.NotNull(ModelIds.Error(new string('a', 300)));
    }

    [Fact]
    public void The_sizer_refuses_a_model_that_could_become_a_flag_as_invalid_input()
    {
        var error = Assert.Throws<SizingException>(() => ModelSizer.Size(new DeploymentSpec("--served-model-name=x", Precision.Bf16, null, null, 1, Priority.Low)));

        Assert.Equal(("model", true), (error.Field, error.IsInvalidInput));
    }

    [Fact]
    public void Sizes_beyond_any_memory_are_refused_as_unprocessable_never_an_overflow()
    {
        var spec = new DeploymentSpec("acme/enormous", Precision.Fp32, 10_000_000, 4096, 1, Priority.Low, Architecture: new ModelArchitecture(10_000, 1000, 1024, 4096, 10_000_000));

        var error = Assert.Throws<SizingException>(() => ModelSizer.Size(spec));

        Assert.False(error.IsInvalidInput);
        Assert.Contains("no GPU holds that", error.Message, StringComparison.Ordinal);
    }
}
