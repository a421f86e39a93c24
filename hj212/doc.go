// Package hj212 is the codec of HJ 212-2017 (污染物在线监控（监测）系统数据传输标准),
// the protocol Chinese ambient-air stations and enterprise CEMS use to send data
// to a platform over TCP. It also reads HJ/T 212-2005 packets and accepts the
// version bits of HJ 212-2025.
//
// What lives here, by clause of HJ 212-2017:
//
//   - §6.3.1 Table 2 and Appendix A: the packet frame "##LLLL<segment>CCCC\r\n"
//     and the standard's CRC16 (not CRC-16/MODBUS): [CRC], [AppendFrame],
//     [ParseFrame] and the stream [Deframer] (garbage, split and sticky
//     packets, resynchronisation on corrupt framing).
//   - §6.3.2 Table 3 and §6.3.3: the data segment (QN, ST, CN, PW, MN, Flag,
//     PNUM/PNO, CP=&&…&&) as a [Packet], parsed leniently and written strictly.
//   - Table 3 Flag: version, split and acknowledgement bits ([HeaderFlag]).
//   - §6.5 and Appendix C: the answers the protocol requires (9011, 9012,
//     9013, 9014), built by [Packet.DataAck] and friends.
//   - §5.3 and Appendix C.49/C.50: split-packet reassembly ([Reassembler]),
//     keyed on MN, CN, DataTime and PNUM rather than QN, because the standard
//     gives every part its own QN.
//   - §6.6.4 Table 8 and Appendix B Table B.2: data flags and the ambient-air
//     factor codes (2017 codes and the 2005 原编码) with their units
//     ([AmbientPollutant], [ParseDataFlag], [Unit]).
//
// The gateway that puts this codec on a TCP port is hj212/gateway.
package hj212
