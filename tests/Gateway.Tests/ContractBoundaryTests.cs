using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using GpuSharing.Gateway.Http;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Tests;

/// <summary>
/// One deployment contract, two ways in: a value the REST body reader accepts the annotation reader accepts too, and
/// both refuse what lies beyond <see cref="DeploymentLimits"/> — the same rule at every boundary, from one home.
/// </summary>
public sealed class ContractBoundaryTests
{
    private static readonly Gen<(int MaxModelLen, int MaxNumSeqs, int Ttft, int Tpot, int Priority, int Precision)> Values =
        Gen.Select(
            Gen.Int[-5, DeploymentLimits.MaxContext + 5],
            Gen.Int[-5, DeploymentLimits.MaxSequences + 5],
            Gen.Int[-5, DeploymentLimits.MaxSloMilliseconds + 5],
            Gen.Int[-5, DeploymentLimits.MaxSloMilliseconds + 5],
            Gen.Int[0, WireNames.Priorities.Count - 1],
            Gen.Int[0, WireNames.Precisions.Count - 1]);

    [Fact]
    public void The_REST_reader_and_the_annotations_accept_and_refuse_the_same_values()
    {
        Values.Sample(v =>
        {
            var priority = WireNames.Priorities[v.Priority];
            var precision = WireNames.Precisions[v.Precision];
            var rest = ReadRest(new JsonObject
            {
                ["model"] = "qwen2.5-7b",
                ["maxModelLen"] = v.MaxModelLen,
                ["maxNumSeqs"] = v.MaxNumSeqs,
                ["priority"] = priority.Name,
                ["precision"] = precision.Name,
                ["slo"] = new JsonObject { ["ttftMs"] = v.Ttft, ["tpotMs"] = v.Tpot },
            });
            var annotated = InferenceServiceReader.Read(Service(new Dictionary<string, string>
            {
                [SharingAnnotations.Model] = "qwen2.5-7b",
                [SharingAnnotations.MaxModelLen] = v.MaxModelLen.ToString(CultureInfo.InvariantCulture),
                [SharingAnnotations.MaxNumSeqs] = v.MaxNumSeqs.ToString(CultureInfo.InvariantCulture),
                [SharingAnnotations.QosPriority] = priority.Name,
                [SharingAnnotations.Precision] = precision.Name,
                [SharingAnnotations.SloTtftMs] = v.Ttft.ToString(CultureInfo.InvariantCulture),
                [SharingAnnotations.SloTpotMs] = v.Tpot.ToString(CultureInfo.InvariantCulture),
            }));

            var inRange = v.MaxModelLen is >= 1 and <= DeploymentLimits.MaxContext
                && v.MaxNumSeqs is >= 1 and <= DeploymentLimits.MaxSequences
                && v.Ttft is >= 1 and <= DeploymentLimits.MaxSloMilliseconds
                && v.Tpot is >= 1 and <= DeploymentLimits.MaxSloMilliseconds;
            Assert.Equal(inRange, rest is not null);
            Assert.Equal(inRange, annotated.Spec is not null);
            if (inRange)
            {
                Assert.Equal((priority.Value, precision.Value), (rest!.Priority, rest.Precision));
                Assert.Equal((priority.Value, precision.Value), (annotated.Spec!.Priority, annotated.Spec.Precision));
                Assert.Equal((rest.MaxModelLen, rest.MaxNumSeqs, rest.Slo), (annotated.Spec.MaxModelLen, annotated.Spec.MaxNumSeqs, annotated.Spec.Slo! with { Target = null }));
            }
        }, iter: 300);
    }

    [Fact]
    public void Every_wire_name_reads_back_to_the_value_it_names()
    {
        Assert.All(WireNames.Priorities, p => Assert.Equal(p.Name, WireNames.Of(p.Value)));
        Assert.All(WireNames.Isolations, i => Assert.Equal(i.Name, WireNames.Of(i.Value)));
        Assert.All(WireNames.Precisions, p => Assert.Equal(p.Name, WireNames.Of(p.Value)));
        Assert.Equal(Enum.GetValues<Priority>().Length, WireNames.Priorities.Count);
        Assert.Equal(Enum.GetValues<Precision>().Length, WireNames.Precisions.Count);
        Assert.Equal(Enum.GetValues<Isolation>().Length, WireNames.Isolations.Count);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(DeploymentLimits.MaxReplicas, true)]
    [InlineData(DeploymentLimits.MaxReplicas + 1, false)]
    public void Replicas_are_bounded_by_the_contract_in_the_body_and_in_the_predictor(int replicas, bool accepted)
    {
        var rest = ReadRest(new JsonObject { ["model"] = "qwen2.5-7b", ["replicas"] = replicas });
        var annotated = InferenceServiceReader.Read(Service(new Dictionary<string, string> { [SharingAnnotations.Model] = "qwen2.5-7b", [SharingAnnotations.Isolation] = WireNames.Exclusive }, maxReplicas: replicas));

        Assert.Equal(accepted, rest is not null);
        Assert.Equal(accepted || replicas < 1, annotated.Spec is not null); // KServe reads maxReplicas below 1 as 1
    }

    private static DeploymentSpec? ReadRest(JsonObject body)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return DeploymentSpecReader.Read(document.RootElement, []);
    }

    private static InferenceService Service(Dictionary<string, string> annotations, int? maxReplicas = null)
    {
        var predictor = new JsonObject { ["model"] = new JsonObject { ["modelFormat"] = new JsonObject { ["name"] = "huggingface" }, ["storageUri"] = "hf://Qwen/Qwen2.5-7B-Instruct" } };
        if (maxReplicas is { } max)
        {
            predictor["maxReplicas"] = max;
        }

        return new InferenceService
        {
            Metadata = new() { Name = "svc", NamespaceProperty = "team-a", ResourceVersion = "1", Generation = 1, Annotations = annotations },
            Spec = new JsonObject { ["predictor"] = predictor },
        };
    }
}
