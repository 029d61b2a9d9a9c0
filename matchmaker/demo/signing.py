"""Demo online signing: two contracts signed online this year, one waiting for ent1@demo.cn to sign.

The signatures are real (the demo instance's platform CA, PAdES with timestamps), so the signed
PDFs verify on /contracts/verify and with `pyhanko sign validate`; the report of the current year
shows "其中网上签约（电子签名）2 项".
"""

import time
from datetime import timedelta
from decimal import Decimal

import click

from ..contracts import services, signing_services
from ..models.base import today

WAN = Decimal(10000)
# The last signature's PDF is verified in a child process holding one of the machine's verification slots, which a
# busy machine (uploads verified meanwhile, another demo) may keep taken past SIGNING_VERIFY_WAIT: the signature is
# then sent again, TRIES times at most, PAUSE seconds apart (nothing of a refused signature is saved).
TRIES = 10
PAUSE = 6
_sleep = time.sleep  # replaced in tests
# (enterprise user index, researcher index, type, title, 万元, subject, payment)
DEALS = [
    (1, 1, "development", "智能门锁低功耗通信模组联合开发", "64.80",
     "开发基于 BLE 与 NB-IoT 双模的低功耗智能门锁通信模组，待机电流不大于 15 微安。\n交付模组原理图、固件源代码和测试报告。",
     "合同生效后十日内支付 40%；\n样机通过甲方验收后十日内支付其余 60%。"),
    (2, 2, "transfer", "高导热绝缘复合材料制备技术转让", "128.00",
     "转让“高导热绝缘复合材料及其制备方法”发明专利的专利权及配套工艺包，导热系数不低于 3 W/(m·K)。",
     "专利权变更登记完成后十五日内一次性支付全部转让费。"),
    (0, 0, "service", "洗碗机节水喷淋结构仿真优化技术服务", "18.50",
     "对甲方现有洗碗机喷淋臂进行流体仿真和结构优化，单次洗涤用水量降低 10% 以上。",
     "服务报告经甲方确认后十日内一次性支付。"),
]  # fmt: skip


def seed(ctx):
    """Record three contracts, prepare their texts, and have both parties sign the first two."""
    users = ctx["users"]
    broker, password = users["broker"][0], ctx["password"]
    made = []
    for n, (ei, ri, ctype, title, wan, subject, payment) in enumerate(DEALS, start=1):
        ent, res = users["enterprise"][ei], users["researcher"][ri]
        amount = Decimal(wan) * WAN
        contract = services.record_contract(
            broker,
            {
                "contract_no": f"WQ{today().year}-{n:04d}", "registration_no": None, "type": ctype, "title": title,
                "buyer_name": ent.organization.name, "buyer_kind": ent.organization.kind,
                "seller_name": res.organization.name, "seller_kind": res.organization.kind,
                "amount": amount, "transaction_amount": amount, "signed_on": today(),
                "registration_status": "unsubmitted", "registered_on": None, "channel": "online", "event_id": None,
                "need_id": None, "result_id": None, "broker_id": broker.id, "zone_id": None, "industry": None,
                "town": None, "note": "网上签约演示",
            },
        )  # fmt: skip
        doc = signing_services.prepare(
            broker, contract,
            {"subject": subject, "payment_terms": payment, "start": today(), "end": today() + timedelta(days=364),
             "place": ent.organization.town or "", "buyer_signer_id": ent.id, "seller_signer_id": res.id,
             "buyer_address": ent.organization.address or "", "seller_address": res.organization.address or ""},
        )  # fmt: skip
        if ei:  # the last one waits for ent1@demo.cn and res1@demo.cn
            signing_services.sign_as_party(ent, contract, doc.document_hash, password)
            _sign_last(res, contract, doc, password, ctx.get("echo", print))
        made.append(contract)
    ctx["signed_online"] = made[:2]
    ctx.get("echo", print)(
        f"网上签约：{len(made) - 1} 份已完成（可在 /contracts/verify 验证 PDF），1 份待 ent1@demo.cn 与 res1@demo.cn 签署"
    )


def _sign_last(user, contract, doc, password, echo):
    """The last party's signature, whose completed PDF is verified: sent again while the machine is too busy to verify
    it (every verification slot taken, or stopped at the time limit), saying so; a ClickException, that says what to
    do, when it stays busy."""
    for attempt in range(1, TRIES + 1):
        try:
            return signing_services.sign_as_party(user, contract, doc.document_hash, password)
        except (signing_services.VerifierBusy, signing_services.SigningUnverified) as exc:
            if getattr(exc, "status", 503) != 503:  # not a busy machine: the memory limit, a crashed verifier
                raise
            reason = str(exc).split("：", 1)[0]  # 系统正忙 / 验证超时
            if attempt == TRIES:
                raise click.ClickException(
                    f"网上签约演示未完成：{reason}，签署后的合同文件已重试 {TRIES} 次仍未能验证（本机正在验证其他文件）。"
                    "请待本机空闲后删除 instance/matchmaker.sqlite，再重新生成演示数据"
                ) from None
            echo(f"网上签约演示：{reason}，合同 {contract.contract_no} 签署后的文件暂未能验证，{PAUSE} 秒后重试"
                 f"（第 {attempt}/{TRIES - 1} 次）")  # fmt: skip
            _sleep(PAUSE)
