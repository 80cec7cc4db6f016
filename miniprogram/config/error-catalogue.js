// Made by infra/scripts/export_error_catalogue.py from the server error catalogue;
// do not edit (tests/infra/test_error_catalogue_export.py fails when it is stale).
module.exports = {
  "ATTEMPT_MOVED": {
    "faq": 10,
    "message": "本场考试已在另一台电脑上继续作答，本机的作答不再保存；如需在本机作答，请重新进入考试"
  },
  "ATTEMPT_SUBMITTED": {
    "faq": 10,
    "message": "本场考试已交卷，不能继续作答。断电断网超过30分钟或考试结束时系统会自动交卷，成绩仍然有效"
  },
  "BAD_REQUEST": {
    "faq": null,
    "message": "请求格式错误"
  },
  "BASE_PHOTO_UNUSABLE": {
    "faq": 7,
    "message": "该照片中没有一张清晰的人脸，不能作为底照，请驳回并让学生重新上传"
  },
  "BATCH_EXISTS": {
    "faq": null,
    "message": "考试批名称已存在"
  },
  "CAPTURE_SAVE_FAILED": {
    "faq": 9,
    "message": "抓拍照片保存失败：考生的网络环境不好，抓拍的相片不能进行认证，请确认网络情况，退出后再进入重试"
  },
  "CLIENT_TOO_OLD": {
    "faq": 23,
    "message": "考生端版本过低，请下载安装最新版本后再登录"
  },
  "COURSE_EXISTS": {
    "faq": null,
    "message": "课程代码已存在"
  },
  "DEADLINE_PASSED": {
    "faq": 16,
    "message": "考试时间已到，系统会自动交卷，已保存的答案有效"
  },
  "ENV_REMOTE_CONTROL": {
    "faq": 24,
    "message": "系统检测出错(e-01)，请退出程序后重试。e-01为远程控制检测，请退出程序重新登录"
  },
  "ENV_VIRTUAL_DEVICE": {
    "faq": 25,
    "message": "系统检测出错(e-02)，请退出程序后重试。e-02为虚拟设备检测，请退出程序重新登录；如果还不能解决，请在C:\\Windows\\SysWOW64中找到cmd.exe，复制到C:\\Windows\\System32文件夹下"
  },
  "EXAM_EXISTS": {
    "faq": null,
    "message": "该考试批中此课程的考试已存在"
  },
  "EXAM_NOT_OPEN": {
    "faq": 4,
    "message": "考试当前不可进入（以服务器北京时间为准），请核对电脑的时间是否与北京时间一致"
  },
  "FACE_CHECK_REQUIRED": {
    "faq": 7,
    "message": "请先完成人脸识别再进入考试：确定电脑有摄像头并且可用，识别时参照提示进行坐姿、光线的调整"
  },
  "FORBIDDEN": {
    "faq": null,
    "message": "没有权限执行此操作"
  },
  "IMAGE_TOO_LARGE": {
    "faq": 21,
    "message": "照片像素过多，无法处理：请用手机或电脑摄像头直接拍照后上传；截图、PNG 等格式的图片请先缩小尺寸再上传"
  },
  "IMPORT_BAD_FILE": {
    "faq": null,
    "message": "无法读取导入文件，请上传 CSV（UTF-8 或 GBK）或 XLSX 文件"
  },
  "IMPORT_BAD_HEADER": {
    "faq": null,
    "message": "导入文件缺少表头：学号、证件号、姓名"
  },
  "IMPORT_EMPTY": {
    "faq": null,
    "message": "导入文件中没有数据行"
  },
  "IMPORT_TOO_MANY_ROWS": {
    "faq": null,
    "message": "导入文件行数过多，请分批导入"
  },
  "INTERNAL_ERROR": {
    "faq": null,
    "message": "服务器内部错误，请稍后重试；如仍有问题请联系网考管理人员"
  },
  "INVALID_ANSWER": {
    "faq": null,
    "message": "答案格式与题型不符"
  },
  "INVALID_CREDENTIALS": {
    "faq": 12,
    "message": "用户名或密码错误。默认密码为身份证号后6位（字母请大写），证件号中有()的默认密码为123456；如修改过密码或仍无法登录，请与学校老师联系重置密码"
  },
  "INVALID_EXAM_WINDOW": {
    "faq": null,
    "message": "考试结束时间必须晚于开始时间"
  },
  "INVALID_ID_NUMBER": {
    "faq": 13,
    "message": "证件号格式不正确"
  },
  "INVALID_QUESTION": {
    "faq": null,
    "message": "题目格式不正确"
  },
  "LOGIN_RATE_LIMITED": {
    "faq": 1,
    "message": "登录失败次数过多，请稍后再试，或与学校老师联系重置密码"
  },
  "MARK_OUT_OF_RANGE": {
    "faq": null,
    "message": "评分不能小于0或超过该题分值"
  },
  "METHOD_NOT_ALLOWED": {
    "faq": null,
    "message": "不支持该请求方法"
  },
  "NOT_ENROLLED": {
    "faq": 11,
    "message": "您未报名该考试，请与学校老师联系。未进行考试报名的考生，或错过考试时间，进入系统后是看不到考试的课程"
  },
  "NOT_FOUND": {
    "faq": null,
    "message": "请求的资源不存在"
  },
  "NOT_MARKABLE": {
    "faq": null,
    "message": "只有简答题和拍照题需要老师评分"
  },
  "NOT_SUBMITTED": {
    "faq": null,
    "message": "考生尚未交卷，不能评分"
  },
  "PAIRING_ENDED": {
    "faq": 22,
    "message": "手机与电脑的连接已解除，无法继续上传；如需上传，请在电脑上刷新二维码后重新扫码"
  },
  "PAIRING_EXPIRED": {
    "faq": 22,
    "message": "二维码已过期，请在电脑上刷新二维码后重新扫码"
  },
  "PAIRING_NOT_FOUND": {
    "faq": 22,
    "message": "二维码无效，请在电脑上切换题目或刷新后重新扫码"
  },
  "PAIRING_USED": {
    "faq": 22,
    "message": "该二维码已被其他手机使用，请在电脑上刷新二维码后用本人手机扫码"
  },
  "PAIRING_WRONG_PURPOSE": {
    "faq": 22,
    "message": "该二维码不能用于此操作，请重新扫码"
  },
  "PAPER_RULE_INVALID": {
    "faq": 14,
    "message": "调卷规则无法满足：题库中的题目数量不足"
  },
  "PAPER_RULE_MISSING": {
    "faq": 14,
    "message": "调取试卷失败，请与老师联系"
  },
  "PHONE_IN_USE": {
    "faq": 22,
    "message": "这台手机已在本场考试中为其他考生使用，一台手机只能服务一名考生"
  },
  "PHOTO_SAVE_FAILED": {
    "faq": 9,
    "message": "照片保存失败，请检查网络后重新上传"
  },
  "QUESTION_IMPORT_BAD_FILE": {
    "faq": null,
    "message": "无法读取题目文件，请上传 JSON 或 XLSX 文件"
  },
  "QUESTION_IMPORT_BAD_HEADER": {
    "faq": null,
    "message": "题目表格缺少表头：题型、题干、答案、分值"
  },
  "QUESTION_NOT_FOUND": {
    "faq": 15,
    "message": "试题不存在，请通过上一题、下一题重新获取试题"
  },
  "QUESTION_TAKES_NO_PHOTO": {
    "faq": 22,
    "message": "该题不需要拍照上传"
  },
  "RATE_LIMITED": {
    "faq": null,
    "message": "请求过于频繁，请稍后再试"
  },
  "REMOTE_ASSIST_DETECTED": {
    "faq": 2,
    "message": "请关闭QQ等远程协助工具，诚信考试。请退出网考程序，关闭QQ、TeamViewer等协助工具，或重启电脑，再进入网考程序"
  },
  "REQUEST_DECIDED": {
    "faq": null,
    "message": "该底照申请已经处理过了"
  },
  "REQUEST_NOT_READY": {
    "faq": null,
    "message": "申请的照片仍在处理中，请稍后再审核"
  },
  "REVIEW_NOT_PENDING": {
    "faq": 18,
    "message": "该考试记录不在待审核状态"
  },
  "SCHOOL_EXISTS": {
    "faq": null,
    "message": "学校名称已存在"
  },
  "SERVICE_UNAVAILABLE": {
    "faq": null,
    "message": "服务暂时不可用，请稍后重试"
  },
  "SESSION_ENDED": {
    "faq": null,
    "message": "登录已失效（已退出登录、密码已修改或已由老师重置），请重新登录"
  },
  "SESSION_STORE_UNAVAILABLE": {
    "faq": null,
    "message": "服务暂时不可用，未能结束登录，请稍后重试"
  },
  "STUDENT_EXISTS": {
    "faq": null,
    "message": "该学号或证件号在本校已存在"
  },
  "TOKEN_EXPIRED": {
    "faq": null,
    "message": "登录已过期，请重新登录"
  },
  "TOKEN_INVALID": {
    "faq": null,
    "message": "登录已失效，请重新登录"
  },
  "TOKEN_MISSING": {
    "faq": null,
    "message": "请先登录"
  },
  "UNSUPPORTED_IMAGE": {
    "faq": 21,
    "message": "仅支持 JPG、PNG、WebP、HEIC 格式的照片，文件也可能已损坏；请重新拍照或从相册选择照片后再上传"
  },
  "UNSUPPORTED_MEDIA_TYPE": {
    "faq": null,
    "message": "不支持的内容类型"
  },
  "UPLOAD_RATE_LIMITED": {
    "faq": null,
    "message": "上传过于频繁，请稍后再试（人脸识别、监考抓拍和拍照上传每位考生都有次数限制）"
  },
  "UPLOAD_TOO_LARGE": {
    "faq": 21,
    "message": "上传的文件过大"
  },
  "USERNAME_TAKEN": {
    "faq": null,
    "message": "用户名已存在"
  },
  "VALIDATION_ERROR": {
    "faq": null,
    "message": "提交的数据有误，请检查后重试"
  },
  "WEAK_PASSWORD": {
    "faq": null,
    "message": "新密码至少8位，且不能与默认密码相同"
  },
  "WEB_COMPANION_DISABLED": {
    "faq": 22,
    "message": "本校要求使用微信扫码上传：请打开微信，用“扫一扫”扫描电脑屏幕上的二维码"
  },
  "WECHAT_BUSY": {
    "faq": null,
    "message": "微信服务繁忙，请稍后再试"
  },
  "WECHAT_CODE_INVALID": {
    "faq": null,
    "message": "微信登录凭证无效，请重新打开小程序"
  },
  "WECHAT_CODE_USED": {
    "faq": null,
    "message": "微信登录凭证已使用，请重新打开小程序"
  },
  "WECHAT_ERROR": {
    "faq": null,
    "message": "微信服务返回错误，请稍后再试"
  },
  "WECHAT_NOT_CONFIGURED": {
    "faq": null,
    "message": "学校尚未配置微信小程序，请使用电脑端扫码链接或与老师联系"
  },
  "WECHAT_PAGE_INVALID": {
    "faq": null,
    "message": "小程序码页面配置有误，请联系网考管理人员"
  },
  "WECHAT_RATE_LIMITED": {
    "faq": null,
    "message": "微信登录过于频繁，请稍后再试"
  },
  "WECHAT_UNAVAILABLE": {
    "faq": null,
    "message": "暂时无法连接微信服务，请稍后再试"
  },
  "WRONG_OLD_PASSWORD": {
    "faq": 12,
    "message": "原密码错误"
  },
  "ZIP_BAD_FILE": {
    "faq": 8,
    "message": "无法读取压缩包，请上传 ZIP 文件，照片以“学号.jpg”命名"
  },
  "ZIP_TOO_MANY_FILES": {
    "faq": 8,
    "message": "压缩包中的照片过多，请分批上传"
  }
};
