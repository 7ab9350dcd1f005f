namespace Registry.Server.Tests.Registry;

/// <summary>Shared setup of the next-tier handler tests: registered nodes and networks created and joined with the admin token.</summary>
internal static class NextTierSetup
{
    /// <summary>
    /// Settings for a host on a fake clock that jumps by days: the reaper, staleness and idle timeout would otherwise
    /// reap the nodes or close the client when the clock moves. Forty days covers the 31-day jumps and stays below the
    /// ~49.7-day ceiling of timer due times.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> FakeClockSettings = new Dictionary<string, string?>
    {
        ["Registry:ReapInterval"] = "40.00:00:00",
        ["Registry:StaleThreshold"] = "40.00:00:00",
        ["Registry:IdleTimeout"] = "40.00:00:00",
    };

    /// <summary>Registers <paramref name="count"/> fresh keys and returns their node ids in order.</summary>
    public static async Task<uint[]> RegisterAsync(RegistryClient client, int count, CancellationToken cancellationToken)
    {
        var ids = new uint[count];
        for (var i = 0; i < count; i++)
        {
            using var key = new NodeKey();
            ids[i] = await client.RegisterAsync(key, cancellationToken);
        }

        return ids;
    }

    /// <summary>Creates a network owned by <paramref name="owner"/> and joins <paramref name="members"/> to it (admin token, so no signatures).</summary>
    public static async Task<ushort> CreateNetworkAsync(RegistryClient client, uint owner, string name, CancellationToken cancellationToken, bool enterprise = true, string joinRule = "open", params uint[] members)
    {
        var created = await client.OkAsync(new { type = "create_network", node_id = owner, name, join_rule = joinRule, enterprise, admin_token = RegistryTestHost.AdminToken }, cancellationToken);
        var network = created.GetProperty("network_id").GetUInt16();
        foreach (var member in members)
        {
            await client.OkAsync(new { type = "join_network", node_id = member, network_id = network, admin_token = RegistryTestHost.AdminToken }, cancellationToken);
        }

        return network;
    }
}
