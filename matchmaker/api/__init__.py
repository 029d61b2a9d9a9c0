"""The JSON API at /api/v1 for the bureau's other systems, documented by OpenAPI 3 generated from the code.

flask-smorest builds the OpenAPI document from the views' marshmallow schemas; ``init_app``
registers the blueprint through it. Tokens: ``matchmaker.tokens``.
"""

import http

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from . import bureau, contracts, listings, suggestions  # noqa: F401  (their views join bp)
from .errors import PROBLEM_TYPE, TITLES
from .routes import bp
from .schemas import Problem

__all__ = ["bp", "init_app"]

DESCRIPTION = """科技成果转化对接平台的数据接口，供统计局、技术合同登记处、城市数据平台等系统和脚本读取数据。

**认证**：每个请求带 `Authorization: Bearer <令牌>`。令牌由用户在“API 访问令牌”页面创建，或由管理员为其他系统签发服务令牌；
令牌代表一个账号，能看到的数据与该账号在网页上看到的一致（角色、归属、保密规则相同）。令牌有读取/写入权限和有效期，可随时撤销。

**分页**：列表返回 `{"items": [...], "next_cursor": "..."}`，把 `next_cursor` 作为 `cursor` 参数取下一页；`limit` 为 1–100。
游标记住上一页最后一条的排序键（匹配推荐：匹配度或时间、id；合同：签订日期、id；需求和成果：发布时间、金额或截止日期、id），
下一页从它之后开始：翻页期间有记录离开或加入列表，也不会漏掉或重复其余记录，翻到多深都一样快。
例外是需求、成果按相关度（`sort=relevance`，带 `q` 时的默认排序）的检索：相关度由检索引擎对全部记录评出，
任何一条需求或成果的增删改都会改变其他记录的得分，游标记不住位置，只记第几条，翻页期间若有改动可能漏项或重复；
要完整同步数据请用 `sort=new`。
一个列表最多翻到第 100 万条：再往后 `next_cursor` 为 null，同时 `truncated` 为 true，表示列表被截断、还有记录未返回，
请加筛选条件（关键词、镇街、日期等）缩小范围；`truncated` 为 false 且 `next_cursor` 为 null 才是列表的真正结尾。

**格式**：金额为以元为单位、两位小数的字符串（如 `"5132900.00"`）；日期 `YYYY-MM-DD`；时间为 UTC 的 ISO 8601。

**错误**：`application/problem+json`，`title` 为中文说明，`code` 为稳定的错误代码（如 `token_missing`、`token_revoked`、
`insufficient_scope`、`not_found`、`validation_error`、`invalid_cursor`、`rate_limited`）。`errors` 最多列出 20 项（按提交顺序），其余的数目见 `detail`。

**频率限制**：每个令牌每分钟默认 120 次请求，超过返回 429。
"""


class _Api(Api):
    """flask-smorest's Api without its app-wide error handler: the HTML pages keep their own error pages,
    the API blueprint registers its problem+json handlers itself."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """The error responses (per status and the default), documented as problem+json."""
        for status in http.HTTPStatus:
            if status >= 400:
                response = {"description": TITLES.get(status, (None, status.phrase))[1], "schema": Problem}
                prepare_response(response, self.spec, PROBLEM_TYPE)
                self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "错误", "schema": Problem}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app):
    """Register /api/v1 on the app, with its OpenAPI document."""
    app.config.setdefault("API_TITLE", "科技成果转化对接平台 API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    api = _Api(app, spec_kwargs={"info": {"description": DESCRIPTION}})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "API 访问令牌（mm_ 开头）"}
    )
    api.register_blueprint(bp)
    app.extensions["matchmaker-api"] = api
