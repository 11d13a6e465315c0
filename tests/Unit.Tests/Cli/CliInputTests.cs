using System.Net;
using System.Text.Json.Nodes;
using GpuSharing.Cli;
using GpuSharing.Cli.Commands;
using GpuSharing.Cli.Gateway;
using GpuSharing.Cli.Input;

namespace GpuSharing.Unit.Tests.Cli;

/// <summary>
/// gpushare's inputs without a gateway: YAML read as the gateway expects it, deployment files in every shape they
/// come in, where the server and the token come from, the token on the wire, and the exit code of every status.
/// </summary>
public sealed class CliInputTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public void Plain_YAML_scalars_resolve_as_the_core_schema_says_and_quoted_ones_stay_text()
    {
        var document = (JsonObject)YamlJson.Documents("""
            replicas: 2
            negative: -3
            ratio: 0.95
            exponent: 1e3
            on: true
            off: False
            none: ~
            empty:
            name: "007"
            version: '1.0'
            word: yes
            mode: CPX
            """, "test.yaml")[0]!;

        Assert.Equal(2L, document["replicas"]!.GetValue<long>());
        Assert.Equal(-3L, document["negative"]!.GetValue<long>());
        Assert.Equal(0.95, document["ratio"]!.GetValue<double>());
        Assert.Equal(1000.0, document["exponent"]!.GetValue<double>());
        Assert.True(document["on"]!.GetValue<bool>());
        Assert.False(document["off"]!.GetValue<bool>());
        Assert.Null(document["none"]);
        Assert.Null(document["empty"]);
        Assert.Equal("007", document["name"]!.GetValue<string>());
        Assert.Equal("1.0", document["version"]!.GetValue<string>());
        Assert.Equal("yes", document["word"]!.GetValue<string>()); // YAML 1.2: yes is a word, not a boolean
        Assert.Equal("CPX", document["mode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("name: a\nname: b\n", "test.yaml:2:1: not valid YAML: Duplicate key name")]
    [InlineData("a: [1, 2\n", "test.yaml:2:1: not valid YAML")]
    public void Broken_YAML_names_the_place(string text, string expected)
    {
        var error = Assert.Throws<InputError>(() => YamlJson.Documents(text, "test.yaml"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"namespace\": \"a\", \"name\": \"one\", \"model\": \"m\"}")]
    [InlineData("[{\"namespace\": \"a\", \"name\": \"one\", \"model\": \"m\"}, {\"name\": \"two\", \"model\": \"m\"}]")]
    [InlineData("{\"deployments\": [{\"namespace\": \"a\", \"name\": \"one\", \"model\": \"m\"}, {\"name\": \"two\", \"model\": \"m\"}]}")]
    [InlineData("namespace: a\nname: one\nmodel: m\n---\nname: two\nmodel: m\n")]
    [InlineData("- {namespace: a, name: one, model: m}\n- {name: two, model: m}\n")]
    [InlineData("deployments:\n  - {namespace: a, name: one, model: m}\n  - {name: two, model: m}\n")]
    public async Task Every_shape_of_deployment_file_reads_the_same(string text)
    {
        var deployments = await DeploymentFile.ReadAsync("-", new StringReader(text), Cancellation);

        Assert.Equal(text.Contains("two", StringComparison.Ordinal) ? ["a/one", "default/two"] : new[] { "a/one" }, deployments.Select(d => d.Key));
        Assert.All(deployments, d => Assert.Equal("{\"model\":\"m\"}", d.Spec.ToJsonString())); // namespace and name go to the route
        Assert.Equal("{\"namespace\":\"a\",\"name\":\"one\",\"model\":\"m\"}", deployments[0].ForPlan().ToJsonString());
    }

    [Theory]
    [InlineData("model: m\n", "deployment 1 has no name")]
    [InlineData("name: Bad_Name\nmodel: m\n", "name 'Bad_Name' is not a Kubernetes name")]
    [InlineData("namespace: x\nname: a\n---\nnamespace: x\nname: a\n", "x/a is given 2 times")]
    [InlineData("name: 5\n", "name must be text")]
    [InlineData("", "no deployment in it")]
    [InlineData("[1]", "deployment 1 is not a mapping")]
    public async Task A_file_the_CLI_cannot_use_says_why(string text, string expected)
    {
        var error = await Assert.ThrowsAsync<InputError>(() => DeploymentFile.ReadAsync("-", new StringReader(text), Cancellation));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_and_token_come_from_the_flag_then_the_environment_then_the_config_file_then_the_default()
    {
        var folder = Directory.CreateTempSubdirectory("gpushare-config-").FullName;
        var config = Path.Combine(folder, "config.yaml");
        File.WriteAllText(config, "server: http://from-file:1\ntoken: file-token\n");
        var environment = new Dictionary<string, string?> { ["GPUSHARE_CONFIG"] = config };
        string? Read(string name) => environment.GetValueOrDefault(name);

        var fromFile = CliSettings.Resolve(null, null, Read);
        environment["GPUSHARE_SERVER"] = "http://from-env:2";
        environment["GPUSHARE_TOKEN"] = "env-token";
        var fromEnvironment = CliSettings.Resolve(null, null, Read);
        var fromFlags = CliSettings.Resolve("https://from-flag:3", "flag-token", Read);
        var defaults = CliSettings.Resolve(null, null, _ => null);

        Assert.Equal(("http://from-file:1/", "file-token"), (fromFile.Server.ToString(), fromFile.Token));
        Assert.Equal(("http://from-env:2/", "env-token"), (fromEnvironment.Server.ToString(), fromEnvironment.Token));
        Assert.Equal(("https://from-flag:3/", "flag-token"), (fromFlags.Server.ToString(), fromFlags.Token));
        Assert.Equal(("http://127.0.0.1:5080/", null), (defaults.Server.ToString(), defaults.Token));
        Assert.Contains("does not exist", Assert.Throws<InputError>(() => CliSettings.Resolve(null, null, n => n == "GPUSHARE_CONFIG" ? "/nonexistent/config.yaml" : null)).Message, StringComparison.Ordinal);
        Assert.Contains("http(s) URL", Assert.Throws<InputError>(() => CliSettings.Resolve("ftp://x", null, _ => null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_goes_as_a_bearer_header_and_a_problem_comes_back_with_its_detail_and_exit_code()
    {
        var handler = new RecordingHandler(new HttpResponseMessage(HttpStatusCode.Conflict)
        {
            Content = new StringContent("""{"type":"urn:gpu-sharing:problem:busy","title":"The GPU is busy.","status":409,"detail":"GPU n/0 is in use.","blockers":[{"kind":"Reservation","detail":"team-a/chat"}]}""", System.Text.Encoding.UTF8, "application/problem+json"),
        });
        using var client = GatewayClient.Create(new Uri("http://gateway:5080"), "s3cret", TimeSpan.FromSeconds(5), handler);

        var problem = await Assert.ThrowsAsync<GatewayProblem>(() => client.PutAsync("/api/v1/gpus/n/0/partitioning", new JsonObject { ["computeMode"] = "CPX" }, Cancellation));

        Assert.Equal("Bearer s3cret", handler.Authorization);
        Assert.Equal(ExitCodes.Busy, problem.ExitCode);
        Assert.Equal(["409 The GPU is busy.", "GPU n/0 is in use.", "  blocked by Reservation: team-a/chat"], problem.Lines());
    }

    [Theory]
    [InlineData(400, ExitCodes.InvalidInput)]
    [InlineData(413, ExitCodes.InvalidInput)]
    [InlineData(415, ExitCodes.InvalidInput)]
    [InlineData(422, ExitCodes.InvalidInput)]
    [InlineData(401, ExitCodes.Unauthorized)]
    [InlineData(403, ExitCodes.Unauthorized)]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(409, ExitCodes.Busy)]
    [InlineData(429, ExitCodes.Busy)]
    [InlineData(503, ExitCodes.Busy)]
    [InlineData(500, ExitCodes.Failed)]
    [InlineData(502, ExitCodes.Failed)]
    public void Each_status_has_the_documented_exit_code(int status, int exitCode) =>
        Assert.Equal(exitCode, new GatewayProblem((HttpStatusCode)status, "t", null, null).ExitCode);

    private sealed class RecordingHandler(HttpResponseMessage answer) : HttpMessageHandler
    {
        public string? Authorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorization = request.Headers.Authorization?.ToString();
            return Task.FromResult(answer);
        }
    }
}
