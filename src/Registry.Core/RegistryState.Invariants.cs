namespace Registry.Core;

/// <summary>Cross-checks between the tables and indexes of <see cref="RegistryState"/>; used by the model tests after every step.</summary>
public sealed partial class RegistryState
{
    /// <summary>Describes every broken invariant; empty when the state is consistent.</summary>
    internal List<string> FindInconsistencies()
    {
        var problems = new List<string>();
        foreach (var node in Nodes.Values)
        {
            if (node.PublicKey.Length > 0 && (!KeyIndex.TryGetValue(node.PublicKey, out var keyed) || keyed != node.Id))
            {
                problems.Add($"node {node.Id}: its key is not indexed to it");
            }

            if (node.Hostname.Length > 0 && (!HostnameIndex.TryGetValue(node.Hostname, out var named) || named != node.Id))
            {
                problems.Add($"node {node.Id}: hostname \"{node.Hostname}\" is not indexed to it");
            }

            if (Reaped.ContainsKey(node.Id))
            {
                problems.Add($"node {node.Id}: live but recorded as reaped");
            }

            foreach (var netId in node.Networks)
            {
                if (!Networks.TryGetValue(netId, out var net) || !net.Members.Contains(node.Id))
                {
                    problems.Add($"node {node.Id}: lists network {netId}, which does not list it");
                }
            }

            if (node.Networks.Distinct().Count() != node.Networks.Count)
            {
                problems.Add($"node {node.Id}: duplicate network in its list");
            }

            if (node.Id >= NextNode && NextNode != 0)
            {
                problems.Add($"node {node.Id}: id not below next_node {NextNode}");
            }
        }

        foreach (var (hostname, id) in HostnameIndex)
        {
            if (!Nodes.TryGetValue(id, out var node) || !string.Equals(node.Hostname, hostname, StringComparison.Ordinal))
            {
                problems.Add($"hostname index \"{hostname}\" names node {id}, which does not have it");
            }
        }

        foreach (var (id, (key, _)) in Reaped)
        {
            if (!KeyIndex.TryGetValue(key, out var keyed) || keyed != id)
            {
                problems.Add($"reaped node {id}: its key is no longer indexed to it");
            }
        }

        foreach (var net in Networks.Values)
        {
            foreach (var member in net.Members)
            {
                if (Nodes.TryGetValue(member, out var node) && !node.Networks.Contains(net.Id))
                {
                    problems.Add($"network {net.Id}: member {member} does not list it");
                }
            }

            foreach (var roleHolder in net.MemberRoles.Keys)
            {
                if (!net.Members.Contains(roleHolder))
                {
                    problems.Add($"network {net.Id}: role for non-member {roleHolder}");
                }
            }
        }

        return problems;
    }
}
