using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace GpuSharing.EndToEnd.Tests;

/// <summary>
/// The web page in headless Chromium against the local system: the map shows the GPUs and partitions the API reports,
/// to scale; a deployment applied through the API appears; a repartition shows its progress and ends in the new
/// layout; the chat streams a reply from the SIMULATED server; the what-if draws a plan and changes nothing. Each page's
/// screenshot is saved under .run/test-results/screenshots.
/// </summary>
[Collection(LocalSystemCollection.Name)]
public sealed class WebPageTests(LocalSystem system, Chromium chromium) : IClassFixture<Chromium>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_map_shows_every_GPU_and_partition_the_API_reports_drawn_to_scale()
    {
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        var gpus = JsonNode.Parse(await system.Http.GetStringAsync("/api/v1/gpus", Cancellation))!.AsArray();

        await page.GotoAsync(system.Gateway.ToString());
        await Assertions.Expect(page.Locator("[data-gpu]")).ToHaveCountAsync(gpus.Count);

        foreach (var gpu in gpus.OfType<JsonObject>())
        {
            var card = page.Locator($"[data-gpu=\"{gpu["node"]}/{gpu["index"]}\"]");
            var partitions = gpu["partitions"]!.AsArray();
            await Assertions.Expect(card.Locator("[data-partition]")).ToHaveCountAsync(partitions.Count);
            await Assertions.Expect(card).ToHaveAttributeAsync("data-state", gpu["state"]!.GetValue<string>());
            // Measured in one script run: the page redraws the map on every poll, and a box measured across two calls
            // could belong to an element the redraw has replaced.
            var widths = await card.EvaluateAsync<Dictionary<string, double>>(
                "card => Object.fromEntries([['row', card.querySelector('.partitions').getBoundingClientRect().width], ...[...card.querySelectorAll('[data-partition]')].map(p => [p.dataset.partition, p.getBoundingClientRect().width])])");
            foreach (var partition in partitions)
            {
                var share = partition!["vramBytes"]!.GetValue<long>() / (double)gpu["vramBytes"]!.GetValue<long>();
                Assert.InRange(widths[partition["index"]!.ToString()] / widths["row"], share - 0.02, share + 0.02); // to scale, less the gaps between partitions
            }
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "fleet-map.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_deployment_applied_through_the_API_appears_where_it_was_placed_and_its_page_explains_it()
    {
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync(system.Gateway.ToString());
        await Assertions.Expect(page.Locator("[data-gpu]").First).ToBeVisibleAsync();

        (await system.Http.PutAsJsonAsync("/api/v1/models/web/appear", new { model = "qwen2.5-0.5b", priority = "high", slo = new { ttftMs = 2000, target = 0.95 } }, Cancellation)).EnsureSuccessStatusCode();
        try
        {
            var block = page.Locator("[data-deployment=\"web/appear\"]");
            await Assertions.Expect(block).ToBeVisibleAsync(new() { Timeout = 10_000 }); // live: no reload
            var placement = JsonNode.Parse(await system.Http.GetStringAsync("/api/v1/models/web/appear", Cancellation))!["placements"]![0]!;
            var where = page.Locator($"[data-gpu=\"{placement["node"]}/{placement["gpu"]}\"] [data-partition=\"{placement["partition"]}\"] [data-deployment=\"web/appear\"]");
            await Assertions.Expect(where).ToHaveCountAsync(1);
            Assert.Equal("high", await block.GetAttributeAsync("data-priority"));

            await block.ClickAsync();
            await Assertions.Expect(page.Locator("[data-deployment-page=\"web/appear\"]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-role=status]")).ToHaveTextAsync("Placed");
            await Assertions.Expect(page.GetByText("Sizing (per replica)")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("table").Filter(new() { HasText = $"{placement["node"]}/{placement["gpu"]}" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-chart=attainment]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-chart=burn]")).ToBeVisibleAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "deployment.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await system.Http.DeleteAsync("/api/v1/models/web/appear", Cancellation);
        }
    }

    [Fact]
    public async Task A_repartition_shows_its_progress_and_ends_in_the_new_layout()
    {
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        var (id, mode) = await system.FreeGpuAsync(Cancellation);
        var target = mode == "CPX" ? "SPX" : "CPX";
        var partitions = target == "CPX" ? 8 : 1;
        await page.GotoAsync(system.Gateway.ToString());
        var card = page.Locator($"[data-gpu=\"{id}\"]");
        await Assertions.Expect(card).ToBeVisibleAsync();

        (await system.Http.PutAsJsonAsync($"/api/v1/gpus/{id}/partitioning", new { computeMode = target }, Cancellation)).EnsureSuccessStatusCode();
        try
        {
            // The local system's simulated device takes seconds per step (LocalSystem): long enough to be seen.
            await Assertions.Expect(card.Locator("[data-role=progress]")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            await Assertions.Expect(card.Locator("[data-role=progress]")).ToContainTextAsync($"Reconfiguring to {target}/NPS1");
            Assert.NotEqual("Ready", await card.GetAttributeAsync("data-state"));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "repartition-progress.png"), FullPage = true });

            await Assertions.Expect(card).ToHaveAttributeAsync("data-state", "Ready", new() { Timeout = 30_000 });
            await Assertions.Expect(card).ToHaveAttributeAsync("data-compute-mode", target);
            await Assertions.Expect(card.Locator("[data-partition]")).ToHaveCountAsync(partitions);
            await Assertions.Expect(card.Locator("[data-role=progress]")).ToHaveCountAsync(0);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "repartition-done.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await Eventually.UntilAsync(
                async ct => await system.Http.PutAsJsonAsync($"/api/v1/gpus/{id}/partitioning", new { computeMode = mode }, ct),
                response => response.IsSuccessStatusCode,
                TimeSpan.FromSeconds(60),
                response => $"could not put {id} back to {mode}: {(int?)response?.StatusCode}",
                cancellationToken: Cancellation);
            await Eventually.UntilAsync(
                async ct => JsonNode.Parse(await system.Http.GetStringAsync($"/api/v1/gpus/{id}", ct))!,
                gpu => gpu["state"]!.GetValue<string>() == "Ready" && gpu["computeMode"]!.GetValue<string>() == mode,
                TimeSpan.FromSeconds(60),
                gpu => $"{id} did not come back to {mode}: {gpu}",
                cancellationToken: Cancellation);
        }
    }

    [Fact]
    public async Task The_chat_streams_a_reply_from_the_simulated_server()
    {
        (await system.Http.PutAsJsonAsync("/api/v1/models/web/chat", new { model = "qwen2.5-0.5b" }, Cancellation)).EnsureSuccessStatusCode();
        try
        {
            await Eventually.UntilAsync(
                async ct => await system.Http.GetStringAsync("/v1/models", ct),
                models => models.Contains("\"web/chat\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                models => $"never routable: {models}\n{system.Logs()}",
                cancellationToken: Cancellation);
            var (context, page, errors) = await chromium.NewPageAsync();
            await using var _ = context;
            await page.GotoAsync($"{system.Gateway}#/chat");

            await page.GetByLabel("Model").SelectOptionAsync("web/chat");
            await page.GetByLabel("Message").FillAsync("Explain GPU partitions in a few sentences.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

            // Read the reply while it is written: it grows in steps before it ends.
            var reply = page.Locator("[data-role=reply]").Last;
            var lengths = new List<int>();
            var item = page.Locator(".transcript li.assistant").Last;
            while (await item.GetAttributeAsync("data-streaming") != "false")
            {
                lengths.Add((await reply.TextContentAsync())?.Length ?? 0);
                await Task.Delay(25, Cancellation);
            }

            var final = (await reply.TextContentAsync())!;
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "chat.png"), FullPage = true });
            Assert.True(final.Length > 20, $"reply: '{final}'");
            Assert.True(lengths.Where(l => l > 0 && l < final.Length).Distinct().Count() >= 2, $"the reply did not stream: lengths seen {string.Join(",", lengths.Distinct())} of {final.Length}");
            Assert.Empty(errors);
        }
        finally
        {
            await system.Http.DeleteAsync("/api/v1/models/web/chat", Cancellation);
        }
    }

    [Fact]
    public async Task The_what_if_draws_a_plan_and_changes_nothing()
    {
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        var modelsBefore = await system.Http.GetStringAsync("/api/v1/models", Cancellation);
        var gpusBefore = Layout(await system.Http.GetStringAsync("/api/v1/gpus", Cancellation));
        await page.GotoAsync($"{system.Gateway}#/what-if");

        await page.GetByLabel("Deployments (YAML or JSON)").FillAsync("""
            - namespace: plan
              name: big
              model: qwen2.5-7b
              priority: high
              replicas: 2
            - {namespace: plan, name: small, model: qwen2.5-0.5b, priority: low, replicas: 3}
            """);
        await page.GetByLabel("Fleet").FillAsync("MI300X=4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Plan" }).ClickAsync();

        var plan = page.Locator("[data-plan]");
        await Assertions.Expect(plan.Locator("[data-role=plan-summary]")).ToContainTextAsync("(hypothetical fleet)");
        await Assertions.Expect(plan.Locator("[data-deployment=\"plan/big\"]")).ToHaveCountAsync(2);
        await Assertions.Expect(plan.Locator("[data-deployment=\"plan/small\"]")).ToHaveCountAsync(3);
        Assert.Equal("high", await plan.Locator("[data-deployment=\"plan/big\"]").First.GetAttributeAsync("data-priority"));
        var summary = await plan.Locator("[data-role=plan-summary]").TextContentAsync();
        Assert.Matches(@"GPUs used: \d of 4", summary);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "what-if.png"), FullPage = true });

        Assert.Equal(modelsBefore, await system.Http.GetStringAsync("/api/v1/models", Cancellation));
        Assert.Equal(gpusBefore, Layout(await system.Http.GetStringAsync("/api/v1/gpus", Cancellation)));
        await page.GotoAsync(system.Gateway.ToString());
        await Assertions.Expect(page.Locator("[data-deployment^=\"plan/\"]")).ToHaveCountAsync(0); // not on the real map
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_map_greys_an_unreachable_node_and_outlines_a_burning_SLO_as_the_API_says()
    {
        // States the local system cannot produce on demand (a node gone, an SLO burning): the page's own requests for
        // the fleet and the SLOs are answered in the browser with a FAKE answer, shaped like the API's, that says so.
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        var gpus = JsonNode.Parse(await system.Http.GetStringAsync("/api/v1/gpus", Cancellation))!.AsArray();
        var up = (JsonObject)gpus[0]!.DeepClone();
        var gone = (JsonObject)gpus[0]!.DeepClone();
        gone["node"] = "gone-node";
        gone["state"] = "Unreachable";
        var reservation = new JsonObject { ["deployment"] = "web/burning", ["bytes"] = 8L << 30, ["replica"] = 0, ["isolation"] = "Exclusive", ["priority"] = "High" };
        ((JsonObject)up["partitions"]![0]!)["reservations"] = new JsonArray(reservation);
        ((JsonObject)up["partitions"]![0]!)["reservedBytes"] = 8L << 30;
        var nodes = new JsonArray(
            new JsonObject { ["name"] = up["node"]!.GetValue<string>(), ["reachable"] = true, ["gpus"] = new JsonArray(up) },
            new JsonObject { ["name"] = "gone-node", ["reachable"] = false, ["gpus"] = new JsonArray(gone) });
        var slos = new JsonArray(new JsonObject { ["deployment"] = "web/burning", ["burn"] = "fast", ["windows"] = new JsonArray() });
        await page.RouteAsync("**/api/v1/nodes", route => route.FulfillAsync(new() { ContentType = "application/json", Body = nodes.ToJsonString() }));
        await page.RouteAsync("**/api/v1/slo", route => route.FulfillAsync(new() { ContentType = "application/json", Body = slos.ToJsonString() }));

        await page.GotoAsync(system.Gateway.ToString());

        var greyed = page.Locator("[data-node=\"gone-node\"]");
        await Assertions.Expect(greyed).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bunreachable\b"));
        await Assertions.Expect(greyed).ToContainTextAsync("Unreachable");
        Assert.True(await greyed.EvaluateAsync<double>("e => Number(getComputedStyle(e).opacity)") < 1);
        await Assertions.Expect(page.Locator($"[data-node=\"{up["node"]}\"]")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bunreachable\b"));
        var burning = page.Locator("[data-deployment=\"web/burning\"]");
        await Assertions.Expect(burning).ToHaveAttributeAsync("data-slo", "fast");
        Assert.Equal("solid", await burning.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle")); // outlined, not only coloured
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.ScreenshotDirectory, "unreachable-and-burning.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Every_control_has_a_label_and_the_pages_are_reached_by_keyboard()
    {
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        foreach (var view in new[] { "#/", "#/what-if", "#/chat" })
        {
            await page.GotoAsync($"{system.Gateway}{view}");
            await Assertions.Expect(page.Locator("main > *").First).ToBeVisibleAsync();
            var unlabelled = await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('input, textarea, select')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.id || e.outerHTML)");
            Assert.True(unlabelled.Length == 0, $"{view}: unlabelled {string.Join(", ", unlabelled)}");
        }

        // From the top of the page, Tab reaches the navigation, and Enter on "What-if" opens it.
        await page.GotoAsync(system.Gateway.ToString());
        await Assertions.Expect(page.Locator("[data-gpu]").First).ToBeVisibleAsync();
        for (var i = 0; i < 10 && await page.EvaluateAsync<string>("() => document.activeElement?.textContent ?? ''") != "What-if"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByLabel("Deployments (YAML or JSON)")).ToBeVisibleAsync();
        Assert.Equal("what-if", await page.EvaluateAsync<string>("() => document.body.dataset.view"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_poll_that_brings_nothing_new_leaves_the_map_and_its_status_as_they_are()
    {
        var (context, page, errors) = await chromium.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync(system.Gateway.ToString());
        await Assertions.Expect(page.Locator("[data-gpu]").First).ToBeVisibleAsync();

        // Mark the drawn map with a property (not an attribute: that would change its HTML), let the page poll twice,
        // and see the same element still there. A map that did change meanwhile (a test before this one still being
        // undone) is drawn anew, rightly: then look again, a few times.
        var verdicts = new List<(bool SameHtml, bool SameElement, bool SameStatus)>();
        for (var attempt = 0; attempt < 5 && !(verdicts.Count > 0 && verdicts[^1].SameHtml); attempt++)
        {
            var before = await page.EvaluateAsync<string[]>("() => { const map = document.getElementById('main').firstElementChild; map.__kept = true; return [map.outerHTML, document.getElementById('status').textContent, document.getElementById('status').dataset.checked ?? '']; }");
            for (var poll = 0; poll < 2; poll++)
            {
                var last = await page.EvaluateAsync<string>("() => document.getElementById('status').dataset.checked ?? ''");
                await page.WaitForFunctionAsync("last => (document.getElementById('status').dataset.checked ?? '') !== last", last);
            }

            var after = await page.EvaluateAsync<JsonElement>("() => { const map = document.getElementById('main').firstElementChild; return [map.outerHTML, document.getElementById('status').textContent, map.__kept === true]; }");
            verdicts.Add((after[0].GetString() == before[0], after[2].GetBoolean(), after[1].GetString() == before[1]));
        }

        Assert.Contains((true, true, true), verdicts); // unchanged: kept, and the live region said nothing
        Assert.DoesNotContain(verdicts, v => v.SameHtml && !v.SameElement); // never redrawn for nothing
        Assert.Empty(errors);
    }

    /// <summary>Each GPU's modes and partition count: what a what-if must leave as it was.</summary>
    private static string Layout(string gpus) => string.Join(";", JsonNode.Parse(gpus)!.AsArray()
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g!["node"]}/{g["index"]}={g["computeMode"]}/{g["memoryMode"]}x{g["partitions"]!.AsArray().Count}")));
}
