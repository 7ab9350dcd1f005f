using System.Text;

namespace Registry.Core.Tests;

/// <summary>Seeded random registry operations, valid and invalid, for model-based replay tests.</summary>
internal sealed class RandomWorkload(TestKit kit, Random random)
{
    private static readonly string[] _hostnames = ["alpha", "beta", "gamma", "delta", "", "Bad", "localhost", "x-1", "-no"];
    private static readonly string[] _owners = ["ann", "ben", "cat", "dan", "eve"];
    private static readonly string[] _tags = ["gpu", "#lab", "edge", "Bad", "", "x", "y", "z", "gpu"];
    private static readonly string[] _names = ["lab", "ops", "dev", "backbone", "Bad", "qa", "prod"];
    private static readonly string[] _rules = ["open", "token", "invite", "", "weird"];

    public string LastOperation { get; private set; } = string.Empty;

    public int MaxDeltasLastStep { get; private set; }

    private NodeRegistry Registry => kit.Registry;

    public void Step()
    {
        kit.Time.Advance(TimeSpan.FromSeconds(random.Next(0, 90)));
        var op = random.Next(30);
        LastOperation = op.ToString(System.Globalization.CultureInfo.InvariantCulture);
        MaxDeltasLastStep = 1;
        switch (op)
        {
            case 0:
            case 1:
                Registry.Register(new RegisterRequest
                {
                    PublicKey = random.Next(30) == 0 ? "bad" : TestKit.Key(random.Next(60)),
                    Owner = random.Next(3) == 0 ? Pick(_owners) : null,
                    Hostname = random.Next(2) == 0 ? Pick(_hostnames) : null,
                    RealAddr = $"203.0.113.{random.Next(250)}:4000",
                    Version = random.Next(2) == 0 ? "v1" : null,
                    RelayOnly = random.Next(4) == 0,
                });
                break;
            case 2: Registry.Heartbeat(Node()); break;
            case 3: Registry.Deregister(Node()); break;
            case 4: Registry.RotateKey(Node(), TestKit.Key(random.Next(60, 120))); break;
            case 5: Registry.SetVisibility(Node(), random.Next(2) == 0); break;
            case 6: Registry.SetHostname(Node(), Pick(_hostnames)); break;
            case 7: Registry.SetTags(Node(), [.. Enumerable.Range(0, random.Next(4)).Select(_ => Pick(_tags))]); break;
            case 8: Registry.SetTaskExec(Node(), random.Next(2) == 0); break;
            case 9: Registry.ReportTrust(Node(), Node()); break;
            case 10: Registry.RevokeTrust(Node(), Node()); break;
            case 11: Registry.RequestHandshake(Node(), Node(), random.Next(20) == 0 ? new string('j', 1100) : "why"); break;
            case 12: Registry.RespondHandshake(Node(), Node(), random.Next(3) != 0); break;
            case 13: Registry.PollHandshakes(Node()); break;
            case 14:
                Registry.CreateNetwork(new CreateNetworkRequest
                {
                    NodeId = Node(),
                    Name = Pick(_names),
                    JoinRule = Pick(_rules),
                    Token = random.Next(2) == 0 ? "tok" : null,
                    Enterprise = random.Next(2) == 0,
                    ExprPolicy = random.Next(4) == 0 ? Encoding.UTF8.GetBytes("{\"version\":1}") : null,
                });
                break;
            case 15: Registry.JoinNetwork(Node(), Network(), random.Next(2) == 0 ? "tok" : "nope"); break;
            case 16:
                var net = Network();
                var members = Registry.GetNetwork(net)?.Members ?? [];
                Registry.LeaveNetwork(members.Count > 0 && random.Next(4) != 0 ? members[random.Next(members.Count)] : Node(), net);
                break;
            case 17: Registry.DeleteNetwork(Network()); break;
            case 19: Registry.SetKeyExpiry(Node(), random.Next(3) == 0 ? "never" : Times.Format(kit.Time.GetUtcNow().AddDays(random.Next(-2, 5)))); break;
            case 20: Registry.SetExternalId(Node(), Pick(_owners)); break;
            case 21: Registry.RenameNetwork(Network(), Pick(_names)); break;
            case 22: Registry.SetNetworkEnterprise(Network(), random.Next(2) == 0); break;
            case 23: Registry.InviteToNetwork(InviteNetwork(), Node(), Node()); break;
            case 24:
                var polled = Registry.PollInvites(Node());
                _ = polled;
                break;
            case 25:
                var invited = Node();
                var invites = Registry.Lookup(invited) is null ? [] : Registry.PollInvites(invited).Invites;
                Registry.RespondInvite(invited, invites.Count > 0 ? invites[0].NetworkId : Network(), random.Next(2) == 0);
                break;
            case 26:
                var rbacNet = Network();
                switch (random.Next(4))
                {
                    case 0: Registry.PromoteMember(rbacNet, Member(rbacNet)); break;
                    case 1: Registry.DemoteMember(rbacNet, Member(rbacNet)); break;
                    case 2: Registry.TransferOwnership(rbacNet, Member(rbacNet)); break;
                    default: Registry.KickMember(rbacNet, Member(rbacNet)); break;
                }

                break;
            case 27:
                var tagNet = Network();
                Registry.SetMemberTags(tagNet, Member(tagNet), [.. Enumerable.Range(0, random.Next(3)).Select(_ => Pick(_tags))]);
                break;
            case 28: Registry.SetNetworkPolicy(Network(), random.Next(-1, 12), random.Next(2) == 0 ? [22, random.Next(0, 70_000)] : null, "d"); break;
            case 29:
                Registry.SetExprPolicy(Network(), random.Next(3) == 0 ? null : Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "{\"version\":1,\"rules\":[1]}" : "{\"version\":1}"));
                break;
            default:
                MaxDeltasLastStep = int.MaxValue;
                Registry.ReapStale(TimeSpan.FromMinutes(random.Next(10, 60)), random.Next(1, 20));
                break;
        }
    }

    /// <summary>Mostly a live node (so valid operations happen), sometimes any id, including unknown and reaped ones.</summary>
    private uint Node()
    {
        var live = Registry.ListNodes(0);
        return live.Count > 0 && random.Next(6) != 0 ? live[random.Next(live.Count)].NodeId : (uint)random.Next(0, 80);
    }

    /// <summary>Mostly an existing network, sometimes any id (unknown, deleted, backbone).</summary>
    private ushort Network()
    {
        var networks = Registry.ListNetworks();
        return networks.Count > 1 && random.Next(5) != 0 ? networks[random.Next(1, networks.Count)].Id : (ushort)random.Next(0, 12);
    }

    private uint Member(ushort network)
    {
        var members = Registry.GetNetwork(network)?.Members ?? [];
        return members.Count > 0 && random.Next(4) != 0 ? members[random.Next(members.Count)] : Node();
    }

    private ushort InviteNetwork()
    {
        var candidates = Registry.ListNetworks().Where(n => n.Enterprise && n.JoinRule == JoinRules.Invite).ToList();
        return candidates.Count > 0 && random.Next(4) != 0 ? candidates[random.Next(candidates.Count)].Id : Network();
    }

    private string Pick(string[] values) => values[random.Next(values.Length)];
}
