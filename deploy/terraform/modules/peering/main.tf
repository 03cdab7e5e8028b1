# Every region reaches every other region's private range: a full mesh of
# inter-region VPC peering, a route to each peer in every private route
# table, and MySQL (3306) between the regions' private ranges. After a
# switchover any region may hold the writer, and the global writer endpoint
# resolves to a private address in that region's VPC.
#
# Security groups in another region cannot be referenced, so the rules name
# the peer's private range by CIDR.

locals {
  names = sort(keys(var.regions))

  # One connection per unordered pair, requested from the first by name.
  pairs = {
    for p in setproduct(local.names, local.names) : "${p[0]}_${p[1]}" => { requester = p[0], accepter = p[1] }
    if index(local.names, p[0]) < index(local.names, p[1])
  }

  # Both directions of every pair: from, to, and the connection between them.
  directions = {
    for p in setproduct(local.names, local.names) : "${p[0]}>${p[1]}" => {
      from = p[0]
      to   = p[1]
      pair = index(local.names, p[0]) < index(local.names, p[1]) ? "${p[0]}_${p[1]}" : "${p[1]}_${p[0]}"
    }
    if p[0] != p[1]
  }

  # A route to the peer in each of the source region's private route tables.
  routes = merge([
    for k, d in local.directions : {
      for az, rt in var.regions[d.from].private_route_table_ids : "${k}>${az}" => merge(d, { route_table_id = rt })
    }
  ]...)
}

resource "aws_vpc_peering_connection" "this" {
  for_each = local.pairs

  region      = each.value.requester
  vpc_id      = var.regions[each.value.requester].vpc_id
  peer_vpc_id = var.regions[each.value.accepter].vpc_id
  peer_region = each.value.accepter

  tags = { Name = "${var.name}-${each.value.requester}-${each.value.accepter}" }
}

# An inter-region request is accepted from the accepter's region.
resource "aws_vpc_peering_connection_accepter" "this" {
  for_each = local.pairs

  region                    = each.value.accepter
  vpc_peering_connection_id = aws_vpc_peering_connection.this[each.key].id
  auto_accept               = true

  tags = { Name = "${var.name}-${each.value.requester}-${each.value.accepter}" }
}

resource "aws_route" "peer" {
  for_each = local.routes

  region                    = each.value.from
  route_table_id            = each.value.route_table_id
  destination_cidr_block    = var.regions[each.value.to].private_range
  vpc_peering_connection_id = aws_vpc_peering_connection.this[each.value.pair].id

  depends_on = [aws_vpc_peering_connection_accepter.this]
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_peer_db" {
  for_each = local.directions

  region            = each.value.from
  security_group_id = var.regions[each.value.from].task_security_group_id
  description       = "MySQL to ${each.value.to}'s private range"
  cidr_ipv4         = var.regions[each.value.to].private_range
  ip_protocol       = "tcp"
  from_port         = 3306
  to_port           = 3306
}

resource "aws_vpc_security_group_ingress_rule" "db_from_peer_tasks" {
  for_each = local.directions

  region            = each.value.to
  security_group_id = var.regions[each.value.to].db_security_group_id
  description       = "MySQL from ${each.value.from}'s private range"
  cidr_ipv4         = var.regions[each.value.from].private_range
  ip_protocol       = "tcp"
  from_port         = 3306
  to_port           = 3306
}
