using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace GpuSharing.Unit.Tests.Deploy;

/// <summary>
/// <c>deploy/prometheus/</c> against Debian's <c>promtool</c> (installed by <c>./test.sh</c> when missing): the local
/// scrape configuration and the alert rules check, and every alert's unit test passes. Debian builds Prometheus without
/// Kubernetes service discovery, so the Kubernetes configuration is read here instead: pod discovery, kept to the
/// product's pods and their <c>http</c> port, the same rules.
/// </summary>
public sealed class PrometheusConfigTests
{
    private static string Directory => Path.Combine(Fixtures.RepositoryRoot, "deploy", "prometheus");

    [Theory]
    [InlineData("check", "config", "prometheus-local.yml")]
    [InlineData("check", "rules", "alerts.yml")]
    [InlineData("test", "rules", "alerts.test.yml")]
    public async Task Promtool_accepts_the_configuration_the_rules_and_their_unit_tests(string verb, string what, string file)
    {
        var (exitCode, output) = await PromtoolAsync(verb, what, file);

        Assert.True(exitCode == 0, $"promtool {verb} {what} {file} exited {exitCode}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_that_cannot_fire_as_its_test_says_fails_the_unit_tests()
    {
        // The unit tests can fail: the same tests against rules whose page alert lost its hold time do not pass.
        var broken = Path.Combine(Path.GetTempPath(), $"alerts-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(broken);
        try
        {
            var rules = await File.ReadAllTextAsync(Path.Combine(Directory, "alerts.yml"), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(broken, "alerts.yml"), rules.Replace("for: 5m", "for: 0m", StringComparison.Ordinal), TestContext.Current.CancellationToken);
            File.Copy(Path.Combine(Directory, "alerts.test.yml"), Path.Combine(broken, "alerts.test.yml"));

            var (exitCode, output) = await PromtoolAsync("test", "rules", Path.Combine(broken, "alerts.test.yml"));

            Assert.NotEqual(0, exitCode);
            Assert.Contains("GpuDegraded", output, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.Directory.Delete(broken, recursive: true);
        }
    }

    [Fact]
    public void The_Kubernetes_configuration_discovers_the_products_pods_on_their_http_port_with_the_same_rules()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Directory, "prometheus-kubernetes.yml")))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var job = (YamlMappingNode)((YamlSequenceNode)root["scrape_configs"])[0];
        var discovery = (YamlMappingNode)((YamlSequenceNode)job["kubernetes_sd_configs"])[0];
        var relabels = ((YamlSequenceNode)job["relabel_configs"]).Cast<YamlMappingNode>().ToList();
        var keeps = relabels.Where(r => r.Children.TryGetValue("action", out var a) && a.ToString() == "keep")
            .Select(r => (((YamlSequenceNode)r["source_labels"])[0].ToString(), r["regex"].ToString()))
            .ToList();

        Assert.Equal("pod", discovery["role"].ToString());
        Assert.Equal(["alerts.yml"], ((YamlSequenceNode)root["rule_files"]).Select(f => f.ToString()));
        Assert.Equal([("__meta_kubernetes_pod_label_app_kubernetes_io_name", "gpu-sharing-.+"), ("__meta_kubernetes_pod_container_port_name", "http")], keeps);
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("promtool") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("promtool did not start (./test.sh installs Debian's prometheus package).");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
