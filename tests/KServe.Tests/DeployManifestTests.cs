using System.Diagnostics;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// deploy/ renders (kustomize, through kubectl) into what it promises — least-privilege RBAC, the watcher on, the
/// node silo's devices — and its example InferenceServices are valid against KServe's real CRD schema and get placed.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly Lazy<JsonObject> Crd = new(() => YamlDocuments.Load(Fixtures.PathOf("kserve", "serving.kserve.io_inferenceservices.yaml")).Single());

    [Theory]
    [InlineData("overlays/dev")]
    [InlineData("overlays/production")]
    public async Task An_overlay_renders_with_least_privilege_RBAC_and_the_watcher_on(string overlay)
    {
        var objects = await RenderAsync(overlay);

        var clusterRole = Single(objects, "ClusterRole", "gpu-sharing-kserve-watcher");
        Assert.Equal(
            [
                "/events:create",
                "/pods/eviction:create",
                "/pods:get,list,patch,watch",
                "apps/deployments:get,list,watch",
                "resource.k8s.io/resourceclaims:create,delete,get,list",
                "serving.kserve.io/inferenceservices:get,list,patch,update,watch",
                "serving.kserve.io/llminferenceservices:get,list,patch,watch",
            ],
            Rules(clusterRole));
        var podPolicy = Single(objects, "ValidatingAdmissionPolicy", "gpu-sharing-gated-pods-only")["spec"]!;
        Assert.Contains(PredictorWriteBack.ReservationGate, podPolicy["validations"]![0]!["expression"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["UPDATE"], podPolicy["matchConstraints"]!["resourceRules"]![0]!["operations"]!.AsArray().Select(o => o!.GetValue<string>()));
        var leases = Single(objects, "Role", "gpu-sharing-kserve-leader-election");
        Assert.Equal(["coordination.k8s.io/leases:create", "coordination.k8s.io/leases[gpu-sharing-kserve-watcher]:get,update"], Rules(leases));
        Assert.Equal("gpu-sharing-gateway", Single(objects, "ClusterRoleBinding", "gpu-sharing-kserve-watcher")["subjects"]![0]!["name"]!.GetValue<string>());
        Assert.DoesNotContain(objects, o => o["kind"]!.GetValue<string>() == "ClusterRole" && Rules(o).Any(r => r.Contains('*', StringComparison.Ordinal)));

        var gateway = Single(objects, "Deployment", "gpu-sharing-gateway")["spec"]!["template"]!["spec"]!;
        Assert.True(gateway["automountServiceAccountToken"]!.GetValue<bool>());
        var env = gateway["containers"]![0]!["env"]!.AsArray();
        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "GpuSharing__KServe__Enabled" && e["value"]!.GetValue<string>() == "true");
        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "POD_NAMESPACE" && e["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>() == "metadata.namespace");
        Assert.False(Single(objects, "DaemonSet", "gpu-sharing-node")["spec"]!["template"]!["spec"]!["automountServiceAccountToken"]!.GetValue<bool>());

        Assert.Null(Single(objects, "ClusterServingRuntime", "gpu-sharing-vllm-rocm")["metadata"]!["namespace"]);
        var dashboards = objects
            .Where(o => o["kind"]!.GetValue<string>() == "ConfigMap" && o["metadata"]!["labels"]?["grafana_dashboard"]?.GetValue<string>() == "1")
            .Select(o => (o["metadata"]!["name"]!.GetValue<string>(), o["data"]!.AsObject().Single().Key))
            .Order()
            .ToList();
        Assert.Equal([("gpu-sharing-dashboard-deployments", "deployments.json"), ("gpu-sharing-dashboard-fleet", "fleet.json"), ("gpu-sharing-dashboard-scheduler", "scheduler.json")], dashboards);
        Assert.All(objects.Where(o => o["kind"]!.GetValue<string>() is not ("Namespace" or "ClusterRole" or "ClusterRoleBinding" or "ClusterServingRuntime" or "ValidatingAdmissionPolicy" or "ValidatingAdmissionPolicyBinding")), o => Assert.Equal("gpu-sharing", o["metadata"]!["namespace"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Production_runs_amd_smi_with_the_devices_and_dev_runs_simulated_GPUs_unprivileged_on_Azurite()
    {
        var production = await RenderAsync("overlays/production");
        var dev = await RenderAsync("overlays/dev");

        var node = Single(production, "DaemonSet", "gpu-sharing-node")["spec"]!["template"]!["spec"]!;
        var container = node["containers"]![0]!;
        Assert.Equal("true", node["nodeSelector"]!["feature.node.kubernetes.io/amd-gpu"]!.GetValue<string>());
        Assert.True(container["securityContext"]!["privileged"]!.GetValue<bool>());
        Assert.Equal(["/dev/dri", "/dev/kfd"], node["volumes"]!.AsArray().Where(v => v!["hostPath"] is not null).Select(v => v!["hostPath"]!["path"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Contains(container["env"]!.AsArray(), e => e!["name"]!.GetValue<string>() == "NODE_NAME" && e["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>() == "spec.nodeName");
        Assert.Contains(container["env"]!.AsArray(), e => e!["name"]!.GetValue<string>() == "GpuSharing__Node__Backend" && e["value"]!.GetValue<string>() == "amd-smi");
        Assert.DoesNotContain(production, o => o["kind"]!.GetValue<string>() == "Secret"); // created by the operator, never committed
        Assert.Contains("@sha256:", Single(production, "ClusterServingRuntime", "gpu-sharing-vllm-rocm")["spec"]!["containers"]![0]!["image"]!.GetValue<string>(), StringComparison.Ordinal);

        var devNode = Single(dev, "DaemonSet", "gpu-sharing-node")["spec"]!["template"]!["spec"]!;
        Assert.False(devNode["containers"]![0]!["securityContext"]!["privileged"]!.GetValue<bool>());
        Assert.Contains(devNode["containers"]![0]!["env"]!.AsArray(), e => e!["name"]!.GetValue<string>() == "GpuSharing__Node__Backend" && e["value"]!.GetValue<string>() == "simulated");
        Assert.Empty(devNode["volumes"]?.AsArray() ?? []);
        Assert.Contains("TableEndpoint=http://azurite:10002", Single(dev, "Secret", "gpu-sharing-storage")["stringData"]?["connection-string"]?.GetValue<string>() ?? DecodedSecret(Single(dev, "Secret", "gpu-sharing-storage"), "connection-string"), StringComparison.Ordinal);
        Single(dev, "Deployment", "azurite");
    }

    [Fact]
    public async Task Only_the_gateway_and_the_silos_reach_the_Orleans_ports_and_production_adds_mutual_TLS()
    {
        var production = await RenderAsync("overlays/production");
        var dev = await RenderAsync("overlays/dev");

        foreach (var objects in new[] { production, dev })
        {
            var policy = Single(objects, "NetworkPolicy", "gpu-sharing-orleans")["spec"]!;
            Assert.Equal(["gpu-sharing-control", "gpu-sharing-node"], policy["podSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal));
            var orleans = policy["ingress"]!.AsArray().Single(r => r!["ports"]!.AsArray().Any(p => p!["port"]!.GetValue<long>() == 30000))!;
            Assert.Equal([11111L, 30000L], orleans["ports"]!.AsArray().Select(p => p!["port"]!.GetValue<long>()).Order());
            Assert.Equal(["gpu-sharing-control", "gpu-sharing-gateway", "gpu-sharing-node"], orleans["from"]![0]!["podSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal));
            var claims = Single(objects, "ValidatingAdmissionPolicy", "gpu-sharing-own-resourceclaims-only")["spec"]!;
            Assert.Contains("system:serviceaccount:gpu-sharing:gpu-sharing-gateway", claims["matchConditions"]![0]!["expression"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("managed-by", claims["validations"]![0]!["expression"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        foreach (var (kind, name) in new[] { ("Deployment", "gpu-sharing-gateway"), ("Deployment", "gpu-sharing-control"), ("DaemonSet", "gpu-sharing-node") })
        {
            var pod = Single(production, kind, name)["spec"]!["template"]!["spec"]!;
            var env = pod["containers"]![0]!["env"]!.AsArray();
            Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "GpuSharing__Tls__Enabled" && e["value"]!.GetValue<string>() == "true");
            Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "GpuSharing__Tls__CaPath" && e["value"]!.GetValue<string>() == "/etc/gpu-sharing/tls/ca.crt");
            Assert.Contains(pod["volumes"]!.AsArray(), v => v!["secret"]?["secretName"]?.GetValue<string>() == "gpu-sharing-cluster-tls");
            var devEnv = Single(dev, kind, name)["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
            Assert.DoesNotContain(devEnv, e => e!["name"]!.GetValue<string>() == "GpuSharing__Tls__Enabled");
        }

        var certificate = Single(production, "Certificate", "gpu-sharing-cluster-tls")["spec"]!;
        Assert.Equal(["client auth", "digital signature", "key encipherment", "server auth"], certificate["usages"]!.AsArray().Select(u => u!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("gpu-sharing-cluster-ca", certificate["issuerRef"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void The_shipped_examples_and_KServe_own_examples_are_valid_against_the_real_CRD_schema()
    {
        var shipped = Directory.GetFiles(Path.Combine(Fixtures.RepositoryRoot, "deploy", "examples"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).SelectMany(YamlDocuments.Load).ToList();
        var kserve = Directory.GetFiles(Fixtures.PathOf("kserve"), "example-isvc-*.yaml").SelectMany(YamlDocuments.Load).ToList();

        var kserveLlm = Directory.GetFiles(Fixtures.PathOf("kserve"), "example-llmisvc-*.yaml").SelectMany(YamlDocuments.Load).ToList();

        Assert.Equal(6, shipped.Count);
        Assert.Equal(1, shipped.Count(d => d["kind"]!.GetValue<string>() == KServeKind.LlmInferenceService.Kind));
        Assert.All(shipped.Concat(kserve).Concat(kserveLlm), document => Assert.Equal([], CrdSchemaValidator.Validate(document, Scaled.CrdOf(TypeOf(document)))));
        Assert.All(shipped, document => Assert.Equal(SharingAnnotations.Enabled, document["metadata"]!["annotations"]![SharingAnnotations.GpuSharing]!.GetValue<string>()));
    }

    [Fact]
    public void The_schema_check_finds_an_unknown_field_a_wrong_type_and_a_bad_enum()
    {
        var example = YamlDocuments.Load(Path.Combine(Fixtures.RepositoryRoot, "deploy", "examples", "llama-8b-exclusive.yaml")).Single();
        var broken = (JsonObject)example.DeepClone();
        broken["spec"]!["predictor"]!["modelFormatt"] = "huggingface";
        broken["spec"]!["predictor"]!["minReplicas"] = "one";
        broken["spec"]!["predictor"]!["model"]!["modelFormat"] = new JsonObject { ["name"] = 7 };

        var errors = CrdSchemaValidator.Validate(broken, Crd.Value);

        Assert.Contains(".spec.predictor.modelFormatt: unknown field", errors);
        Assert.Contains(".spec.predictor.minReplicas: must be an integer", errors);
        Assert.Contains(".spec.predictor.model.modelFormat.name: must be a string", errors);
    }

    [Fact]
    public async Task The_shipped_examples_are_placed_by_the_watcher()
    {
        await using var env = await KServeEnvironment.StartAsync(("gpu-node-1", "MI300X:2"), ("gpu-node-2", "MI300X:2"));
        await env.StartWatcherAsync();
        var names = new List<(FakeResourceType, string)>();
        foreach (var document in Directory.GetFiles(Path.Combine(Fixtures.RepositoryRoot, "deploy", "examples"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).SelectMany(YamlDocuments.Load))
        {
            env.Store.Create(TypeOf(document), "models", document);
            names.Add((TypeOf(document), document["metadata"]!["name"]!.GetValue<string>()));
        }

        foreach (var (type, name) in names)
        {
            var placed = await env.WaitForAsync(type, "models", name, s => KServeEnvironment.Status(s) is "Placed" || KServeEnvironment.Status(s)?.StartsWith("Invalid", StringComparison.Ordinal) == true);
            Assert.True(KServeEnvironment.Status(placed) == "Placed", $"{name}: {KServeEnvironment.Status(placed)}");
        }

        var mistral = (await env.Hardware.Model("models/mistral-7b").GetAsync())!;
        Assert.Equal(2, mistral.Placements.Select(p => p.Node).Distinct().Count());
        Assert.Equal(("gpu-node-1", 0), ((await env.Hardware.Model("models/phi-3-batch").GetAsync())!.Placements[0] is var phi ? (phi.Node, phi.Gpu) : default));
    }

    private static async Task<List<JsonObject>> RenderAsync(string overlay)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.Combine(Fixtures.RepositoryRoot, "deploy") };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(overlay);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start (it is needed to render deploy/ with kustomize)");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {overlay} failed: {error}");
        return [.. YamlDocuments.Parse(await output)];
    }

    private static FakeResourceType TypeOf(JsonObject document) =>
        document["kind"]!.GetValue<string>() == KServeKind.LlmInferenceService.Kind ? FakeResourceType.LlmInferenceServices : FakeResourceType.InferenceServices;

    private static JsonObject Single(List<JsonObject> objects, string kind, string name) =>
        objects.Single(o => o["kind"]!.GetValue<string>() == kind && o["metadata"]!["name"]!.GetValue<string>() == name);

    private static List<string> Rules(JsonObject role) =>
        [.. role["rules"]!.AsArray().SelectMany(r => r!["resources"]!.AsArray().Select(resource =>
            $"{r["apiGroups"]![0]!.GetValue<string>()}/{resource!.GetValue<string>()}{(r["resourceNames"] is JsonArray names ? $"[{string.Join(',', names.Select(n => n!.GetValue<string>()))}]" : string.Empty)}:{string.Join(',', r["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal))}"))
            .Order(StringComparer.Ordinal)];

    private static string DecodedSecret(JsonObject secret, string key) =>
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]![key]!.GetValue<string>()));
}
