using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace GpuSharing.KServe.Tests;

/// <summary>The watcher's Events, against the fake API server with the real KubernetesClient.</summary>
public sealed class EventRecorderTests
{
    [Fact]
    public async Task A_repeated_event_is_folded_into_the_first_ones_count_and_a_new_reason_is_a_new_event()
    {
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = api.Url });
        var recorder = new KServeEventRecorder(client, new WatcherIdentity("watcher-0"), TimeProvider.System, NullLogger<KServeEventRecorder>.Instance);
        var service = new InferenceService
        {
            ApiVersion = "serving.kserve.io/v1beta1",
            Kind = "InferenceService",
            Metadata = new V1ObjectMeta { Name = "qwen", NamespaceProperty = "team-a", Uid = "uid-1" },
        };
        var ct = TestContext.Current.CancellationToken;

        await recorder.RecordAsync(service, "Normal", "Placed", "Placed on node-a/0/1.", ct);
        await recorder.RecordAsync(service, "Normal", "Placed", "Placed on node-a/0/1.", ct);
        await recorder.RecordAsync(service, "Warning", "Preempted", "Preempted by prod/high.", ct);

        var events = api.Store.List(FakeResourceType.Events, "team-a").Items
            .OrderBy(e => long.Parse(e["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))
            .Select(e => (Reason: e["reason"]!.GetValue<string>(), Count: e["count"]!.GetValue<int>()))
            .ToList();
        Assert.Equal([("Placed", 2), ("Preempted", 1)], events);
    }
}
